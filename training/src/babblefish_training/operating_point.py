"""How the monitor's detector does on a night with known cries, and the shift that suits a model.

The model's threshold is a clip-level point (a clip's best window at <= 1 % false positives). The
monitor decides on every window, so its detector alarms `threshold_shift` log-odds lower; the
right shift differs from model to model (each network's window scores spread differently around
its clip threshold). This module replays a
scored night through the real detector at several shifts and scores each against the targets:
episode recall >= 95 %, <= 1 false alarm an hour, cry minutes within 10 %, median onset latency
<= 1.5 s (stream time from the true onset to `cry_started`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.detector import CryEvent, Detector, DetectorConfig
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline

SHIFTS = tuple(round(0.25 * k, 2) for k in range(17))  # 0 .. 4 log-odds
MATCH_SLACK = 1.0  # seconds: a detection this close to a true episode counts as finding it
BLOCK_SECONDS = 30.0


@dataclass
class Scores:
    """Per-window cry scores of a whole night: computed once, replayed through many detectors."""

    times: npt.NDArray[np.float64]
    cry: npt.NDArray[np.float64]
    audio_seconds: float


class Scorer:
    """Feeds blocks through the monitor's own pipeline and keeps every window's cry score."""

    def __init__(self, spec: ModelSpec, hop: float) -> None:
        self.spec = spec
        self.pipeline = Pipeline(spec, hop_seconds=hop)
        self._times: list[float] = []
        self._cry: list[float] = []

    def feed(self, block: npt.NDArray[Any]) -> None:
        for window in self.pipeline.process(block).windows:
            self._times.append(window.stream_time)
            self._cry.append(window.scores[self.spec.cry_label])

    def scores(self) -> Scores:
        return Scores(np.array(self._times), np.array(self._cry), self.pipeline.stream_time)


def score_audio(audio: npt.NDArray[Any], spec: ModelSpec, hop: float) -> Scores:
    """Every window's cry score over 16 kHz mono PCM (int16, or float in [-1, 1) as the
    pipeline also takes it), fed in 30-s blocks."""
    scorer = Scorer(spec, hop)
    step = int(BLOCK_SECONDS * spec.frontend.sample_rate)
    for start in range(0, audio.size, step):
        scorer.feed(audio[start : start + step])
    return scorer.scores()


@dataclass
class Metrics:
    """One detector setting on one night."""

    truth: int
    detected: int
    recall: float
    masked_recall: float
    false_alarms: int
    false_alarms_per_hour: float
    false_alarm_scenes: dict[str, int]
    truth_minutes: float
    detected_minutes: float
    minutes_error_pct: float
    latency_median: float
    latency_p90: float
    missed: list[dict[str, Any]]
    # (start, end, announced at) of each detection that matched no true episode
    alarms: list[tuple[float, float, float]] = field(default_factory=list)
    # (true start, announced onset latency) of each episode found
    onsets: list[tuple[float, float]] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return penalty(self) == 0

    def summary(self) -> str:
        return (
            f"recall {100 * self.recall:.1f}%  FA/h {self.false_alarms_per_hour:.2f}  "
            f"minutes {self.minutes_error_pct:+.1f}%  latency {self.latency_median:.2f}s"
        )

    def figures(self) -> dict[str, float]:
        """The four target figures, rounded, for model.json."""
        return {
            "episode_recall": round(self.recall, 4),
            "false_alarms_per_hour": round(self.false_alarms_per_hour, 3),
            "cry_minutes_error_pct": round(self.minutes_error_pct, 2),
            "onset_latency_median_s": round(self.latency_median, 3),
        }


def detect(scores: Scores, spec: ModelSpec, config: DetectorConfig, hop: float) -> list[CryEvent]:
    detector = Detector.for_model(config, spec, hop)
    events = detector.process(scores.times, scores.cry, spec.window_seconds)
    return events + detector.flush(scores.audio_seconds)


def _overlaps(span: tuple[float, float], episode: dict[str, Any]) -> bool:
    return bool(
        span[0] <= episode["end"] + MATCH_SLACK and span[1] >= episode["start"] - MATCH_SLACK
    )


def evaluate(events: list[CryEvent], truth: dict[str, Any], hours: float) -> Metrics:
    """Match detected episodes to true ones: recall, false alarms, cry minutes, onset latency."""
    started = [e for e in events if e.kind == "cry_started"]
    ended = [e for e in events if e.kind == "cry_ended"]
    detected = [
        (e.start, e.end or e.start, s.stream_time) for e, s in zip(ended, started, strict=True)
    ]
    episodes = truth["episodes"]
    onsets, missed, hits_masked = [], [], 0
    for ep in episodes:
        hits = [d for d in detected if _overlaps((d[0], d[1]), ep)]
        if hits:
            onsets.append((ep["start"], min(h[2] for h in hits) - ep["start"]))
            hits_masked += ep["masked"]
        else:
            missed.append(ep)
    alarms = [d for d in detected if not any(_overlaps((d[0], d[1]), ep) for ep in episodes)]
    # What was playing during each false alarm (scenes overlapping it), to see what fools the model.
    during = Counter(
        " + ".join(
            sorted({s["kind"] for s in truth["scenes"] if s["start"] <= d[1] and s["end"] >= d[0]})
        )
        or "background only"
        for d in alarms
    )
    latencies = [lat for _, lat in onsets]
    truth_min = sum(ep["end"] - ep["start"] for ep in episodes) / 60
    det_min = sum(d[1] - d[0] for d in detected) / 60
    masked_total = sum(ep["masked"] for ep in episodes)
    return Metrics(
        truth=len(episodes),
        detected=len(detected),
        recall=(len(episodes) - len(missed)) / max(1, len(episodes)),
        masked_recall=hits_masked / masked_total if masked_total else float("nan"),
        false_alarms=len(alarms),
        false_alarms_per_hour=len(alarms) / hours,
        false_alarm_scenes=dict(during.most_common()),
        truth_minutes=truth_min,
        detected_minutes=det_min,
        minutes_error_pct=100 * (det_min - truth_min) / max(truth_min, 1e-9),
        latency_median=statistics.median(latencies) if latencies else float("nan"),
        latency_p90=float(np.percentile(latencies, 90)) if latencies else float("nan"),
        missed=missed,
        alarms=alarms,
        onsets=onsets,
    )


def penalty(m: Metrics) -> float:
    """How far a night's figures miss the targets (0 when all are met)."""
    latency = m.latency_median if m.latency_median == m.latency_median else 60.0  # NaN: none found
    return (
        max(0, 0.95 - m.recall) * 100
        + max(0, m.false_alarms_per_hour - 1) * 10
        + max(0, abs(m.minutes_error_pct) - 10)
        + max(0, latency - 1.5) * 10
    )


def rank(m: Metrics) -> tuple[float, ...]:
    """Targets first, then fewest false alarms, truest cry minutes, quickest onset, most recall."""
    return (penalty(m), m.false_alarms_per_hour, abs(m.minutes_error_pct), m.latency_median,
            -m.recall)  # fmt: skip


def trial(
    scores: Scores, spec: ModelSpec, truth: dict[str, Any], hop: float, config: DetectorConfig
) -> Metrics:
    """One detector config over a scored night."""
    return evaluate(detect(scores, spec, config, hop), truth, scores.audio_seconds / 3600)


Trial = Callable[[DetectorConfig], Metrics]


@dataclass(frozen=True)
class ShiftChoice:
    """The shift kept, its figures, which shifts met every target, and every shift tried."""

    shift: float
    metrics: Metrics
    passing: tuple[float, ...]
    scanned: tuple[tuple[float, Metrics], ...]

    def describe(self) -> str:
        if self.passing:
            return (
                f"every target met from {self.passing[0]} to {self.passing[-1]} log-odds: "
                f"threshold_shift {self.shift} ({self.metrics.summary()})"
            )
        return (
            f"no threshold_shift meets every target; least bad: {self.shift} "
            f"({self.metrics.summary()})"
        )


def choose_shift(run: Trial, base: DetectorConfig, shifts: Sequence[float] = SHIFTS) -> ShiftChoice:
    """The model's threshold_shift, every other detector setting as given: the middle of the
    shifts that meet every target on this night (else the least bad). The middle, not the edge
    with the fewest false alarms or the quickest onsets: another night moves both, and a shift
    chosen at the edge of one night's passing range failed on the next."""
    scanned = tuple((shift, run(replace(base, threshold_shift=shift))) for shift in shifts)
    passing = tuple(shift for shift, m in scanned if m.passes)
    if passing:
        best = passing[len(passing) // 2]
    else:
        best = min(scanned, key=lambda item: (rank(item[1]), item[0]))[0]
    metrics = next(m for shift, m in scanned if shift == best)
    return ShiftChoice(best, metrics, passing, scanned)
