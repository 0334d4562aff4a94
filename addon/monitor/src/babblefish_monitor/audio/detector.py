"""Turns per-window cry scores into cry episodes: smoothing, hysteresis, hang-over and merging."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .model import ModelSpec

EventKind = Literal["cry_started", "cry_ended"]
# Onset threshold below the model's, in log-odds, for models whose model.json has no tuned shift
# of their own: a per-window decision needs a lower bar than the clip-level threshold the model
# carries (see `threshold_shift` below); 2.0 is what a night stream tuning gave a typical model.
DEFAULT_THRESHOLD_SHIFT = 2.0
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DetectorConfig:
    """How scores become episodes. Times are seconds of audio; thresholds are cry probabilities.

    Defaults tuned with the shipped model on one recorded night and checked on another
    (`bench/night_bench.py --tune`, hop 0.5 s).
    """

    # Moving average of window scores over this span. Off by default: the 1-s windows already
    # overlap, and averaging probabilities near 1 delays onsets (0.5 s cost 0.5 s of median latency).
    smoothing_seconds: float = 0.0
    onset_seconds: float = 0.0  # smoothed score >= onset threshold this long starts crying
    offset_ratio: float = 0.3  # offset threshold = onset threshold * this (hysteresis)
    hangover_seconds: float = 5.0  # below the offset threshold this long and the crying has stopped
    merge_gap_seconds: float = 10.0  # a new onset this soon after the crying stopped continues it
    threshold: float | None = None  # onset threshold at sensitivity 0.5; None: from the model's
    # Log-odds the onset threshold sits below the model's own (when `threshold` is None). The
    # model's threshold is a clip-level operating point (a clip's best window, <= 1 % false
    # positives); the detector decides on every window, and most windows of a cry score below the
    # clip's best, so at the model's threshold episodes start late and break up.
    threshold_shift: float | None = None  # None: the model's own (model.json), else the default
    sensitivity: float = 0.5  # 0..1; 0.5 is the tuned operating point, higher detects more
    sensitivity_span: float = 3.0  # log-odds the threshold moves at sensitivity 0 or 1

    def __post_init__(self) -> None:
        for name in ("smoothing_seconds", "onset_seconds", "hangover_seconds", "merge_gap_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 0.0 < self.offset_ratio <= 1.0:
            raise ValueError("offset_ratio must lie in (0, 1]")
        check_sensitivity(self.sensitivity)


def check_sensitivity(value: float) -> float:
    """The value, if it is a sensitivity in 0..1; ValueError otherwise."""
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        raise ValueError(f"sensitivity must lie between 0 and 1, got {value}")
    return float(value)


def shifted_threshold(threshold: float, shift: float) -> float:
    """A probability threshold lowered by `shift` in log-odds (raised when negative)."""
    threshold = min(max(threshold, 1e-6), 1 - 1e-6)
    logit = math.log(threshold / (1 - threshold)) - shift
    return 1 / (1 + math.exp(-logit))


def onset_threshold(base: float, sensitivity: float, span: float) -> float:
    """The base threshold moved in log-odds: sensitivity 0.5 keeps it, 1 lowers it by `span`."""
    return shifted_threshold(base, span * (sensitivity - 0.5) * 2)


@dataclass(frozen=True)
class CryEvent:
    """cry_started / cry_ended: `stream_time` is when it was decided, start/end when crying was."""

    kind: EventKind
    stream_time: float
    start: float
    end: float | None
    peak_score: float

    @property
    def duration(self) -> float | None:
        return None if self.end is None else self.end - self.start


@dataclass(frozen=True)
class Episode:
    """The running episode: when it started, when crying was last heard, its highest score."""

    start: float
    peak_score: float
    last_active: float  # reference time of the latest window above the offset threshold

    @property
    def known_duration(self) -> float:
        """Seconds known to be crying so far: the hang-over after `last_active` may not be crying.

        It only grows while the episode runs, and the episode's final duration equals it.
        """
        return max(0.0, self.last_active - self.start)


class Detector:
    """Feeds window scores in stream order; returns episode events as they are decided."""

    def __init__(
        self,
        config: DetectorConfig,
        model_threshold: float,
        hop_seconds: float,
        model_shift: float | None = None,
    ) -> None:
        self.config = config
        self.hop = hop_seconds
        self.base_threshold = self._base(model_threshold, model_shift)
        self._span = max(1, round(config.smoothing_seconds / hop_seconds))
        # A trailing average lags by half its span: credit the score to the span's middle.
        self._lag = (self._span - 1) / 2 * hop_seconds
        self.set_sensitivity(config.sensitivity)
        self._episode: Episode | None = None
        self._last_active = 0.0  # reference time of the last window above the offset threshold
        self._ended = False  # crying stopped (hang-over over); waiting out the merge gap
        self.reset()

    @classmethod
    def for_model(cls, config: DetectorConfig, spec: ModelSpec, hop_seconds: float) -> Detector:
        """A detector at the model's operating point: its threshold and its own shift, if any."""
        return cls(config, spec.threshold, hop_seconds, spec.threshold_shift)

    def _base(self, model_threshold: float, model_shift: float | None) -> float:
        config = self.config
        if config.threshold is not None:
            return config.threshold
        shift = next(
            s
            for s in (config.threshold_shift, model_shift, DEFAULT_THRESHOLD_SHIFT)
            if s is not None
        )
        return shifted_threshold(model_threshold, shift)

    def retune(self, model_threshold: float, model_shift: float | None) -> None:
        """A new model operating point (a cascade fell back to the small model), same sensitivity."""
        self.base_threshold = self._base(model_threshold, model_shift)
        self.set_sensitivity(self.sensitivity)

    def set_sensitivity(self, value: float) -> None:
        """Change the operating point at run time; applies from the next window."""
        self.sensitivity = check_sensitivity(value)
        self.on_threshold = onset_threshold(
            self.base_threshold, value, self.config.sensitivity_span
        )
        self.off_threshold = self.on_threshold * self.config.offset_ratio

    def reset(self) -> None:
        """Forget the smoothing history (a gap in the audio). A running episode is kept."""
        self._history: FloatArray = np.zeros(0)
        self._run_start: float | None = None  # onset candidate: when it began
        self._rise: float | None = None  # idle: when the scores last rose past the offset threshold
        self._run_first: float = 0.0  # ...and the time of its first window
        self._run_peak = 0.0

    @property
    def crying(self) -> bool:
        return self._episode is not None

    @property
    def current_episode(self) -> Episode | None:
        return self._episode

    def smooth(self, scores: FloatArray) -> FloatArray:
        """Trailing moving average over the span, continuous across calls."""
        data = np.concatenate([self._history, scores])
        cumulative = np.concatenate([[0.0], np.cumsum(data)])
        index = np.arange(self._history.size, data.size)
        lo = np.maximum(index + 1 - self._span, 0)
        smoothed: FloatArray = (cumulative[index + 1] - cumulative[lo]) / (index + 1 - lo)
        self._history = data[-(self._span - 1) :] if self._span > 1 else data[:0]
        return smoothed

    def process(
        self, times: FloatArray, scores: FloatArray, window_seconds: float
    ) -> list[CryEvent]:
        """Events these windows decide; `times` are window end times, `scores` raw cry scores."""
        if times.size == 0:
            return []
        smoothed = self.smooth(scores)
        refs = times - window_seconds / 2 - self._lag
        events: list[CryEvent] = []
        i = 0
        while i < times.size:
            if self._episode is None and self._run_start is None:
                # The common case, a quiet stretch: jump to the next window above the offset
                # threshold (where an episode could begin).
                above = np.flatnonzero(smoothed[i:] >= self.off_threshold)
                if above.size == 0 or above[0] > 0:
                    self._rise = None
                if above.size == 0:
                    break
                i += int(above[0])
            self._step(
                float(times[i]), float(refs[i]), float(smoothed[i]), float(scores[i]), events
            )
            i += 1
        return events

    def _step(
        self, t: float, ref: float, smoothed: float, raw: float, events: list[CryEvent]
    ) -> None:
        cfg = self.config
        episode = self._episode
        if episode is not None and not self._ended:
            if smoothed >= self.off_threshold:
                self._last_active = ref
                self._episode = Episode(episode.start, max(episode.peak_score, raw), ref)
            elif ref - self._last_active >= cfg.hangover_seconds:
                self._ended = True
            return
        # Idle, or crying stopped and the merge gap is running: look for an onset.
        if smoothed < self.off_threshold:
            self._rise = None
        elif self._rise is None:
            self._rise = ref
        if smoothed >= self.on_threshold:
            if self._run_start is None:
                # The episode began where the scores rose past the offset threshold: the same
                # hysteresis as its end, so an episode's length is not biased short.
                start = self._rise if self._rise is not None else ref
                self._run_start, self._run_first, self._run_peak = start, t, raw
            self._run_peak = max(self._run_peak, raw)
            if t - self._run_first >= cfg.onset_seconds - 1e-9:
                self._onset(t, ref, events)
                return
        else:
            self._run_start = None
        if episode is not None and self._ended:
            pending = (
                self._run_start is not None
                and self._run_start - self._last_active <= cfg.merge_gap_seconds
            )
            if ref - self._last_active > cfg.merge_gap_seconds and not pending:
                events.append(self._end(t))

    def _onset(self, t: float, ref: float, events: list[CryEvent]) -> None:
        assert self._run_start is not None
        start, peak = self._run_start, self._run_peak
        self._run_start = self._rise = None
        episode = self._episode
        if episode is not None:
            if start - self._last_active <= self.config.merge_gap_seconds:
                self._episode = Episode(episode.start, max(episode.peak_score, peak), ref)
                self._ended, self._last_active = False, ref
                return
            events.append(self._end(t))
        self._episode = Episode(start, peak, ref)
        self._ended, self._last_active = False, ref
        events.append(CryEvent("cry_started", t, start, None, peak))

    def _end(self, t: float) -> CryEvent:
        assert self._episode is not None
        episode, self._episode = self._episode, None
        self._ended = False
        end = max(episode.last_active, episode.start)  # so duration == known_duration
        return CryEvent("cry_ended", t, episode.start, end, episode.peak_score)

    def flush(self, t: float) -> list[CryEvent]:
        """End of stream: close a running episode at the last crying moment."""
        self._run_start = self._rise = None
        return [self._end(t)] if self._episode is not None else []
