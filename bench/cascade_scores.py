"""Per-window scores of the small model and of a cascade's second model, for clips and nights.

Every window gets both scores once (cached under bench/out/cache/cascade), so gates and fusions
are compared offline by `bench/cascade_bench.py` without running either model again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.cascade import Cascade, OpinionStatus
from babblefish_monitor.audio.cascade_spec import CascadeSpec
from babblefish_monitor.audio.classifier import Classifier
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline
from babblefish_monitor.audio.second_opinion import SecondOpinion
from babblefish_monitor.audio.sources import open_source
from babblefish_training.cascade_scoring import contexts_for_clip
from babblefish_training.devmetrics import swap_clips
from babblefish_training.features import clip_windows
from babblefish_training.scoring import clip_maxima, predict_batched

FloatArray = npt.NDArray[np.float32]
Float64 = npt.NDArray[np.float64]
YAMNET_CRY = (19, 20, 21)


def yamnet_spec(path: Path, model_threshold: float) -> CascadeSpec:
    """A cascade spec that asks about every window (for collecting scores)."""
    return CascadeSpec(path, "YAMNet", 1e-30, "max", YAMNET_CRY, 521, 15_600, 0.5, model_threshold)


@dataclass(frozen=True)
class WindowScores:
    """Per window: the small model's cry score and the second model's; clips: windows per clip."""

    small: Float64
    second: Float64
    counts: npt.NDArray[np.int64]
    times: Float64 = field(default_factory=lambda: np.zeros(0))
    audio_seconds: float = 0.0
    # A gated committee's score: the mean cry log-odds of the small model and other members, as
    # a probability, fused in only where the small model's own score opens the gate.
    committee: Float64 | None = None

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, small=self.small, second=self.second, counts=self.counts,
                 times=self.times, audio_seconds=self.audio_seconds)  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> WindowScores:
        d = np.load(path)
        return cls(d["small"], d["second"], d["counts"], d["times"], float(d["audio_seconds"]))


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def clip_scores(
    name: str, audios: Sequence[FloatArray], spec: ModelSpec, second: Path, cache: Path
) -> WindowScores:
    """Both scores for every window of every clip, windowed as the clip benches window them."""
    digest = hashlib.sha1(b"".join(a.tobytes()[:4096] for a in audios)).hexdigest()[:12]
    path = (
        cache
        / f"{name}-{_key(spec.model_path.stat().st_mtime_ns, second, len(audios), digest)}.npz"
    )
    if path.is_file():
        return WindowScores.load(path)
    hop = int(spec.extra.get("window_hop_frames", spec.input_frames // 2))
    fe = spec.frontend
    classifier = Classifier(spec)
    opinion = SecondOpinion(yamnet_spec(second, spec.threshold))
    small, yam, counts = [], [], []
    for audio in audios:
        windows = clip_windows(audio, spec.input_frames, hop)
        small.append(predict_batched(classifier.predict, windows)[:, spec.cry_index])
        contexts = contexts_for_clip(audio, spec.input_frames, hop, 15_600,
                                     fe_hop=fe.hop_samples, fe_window=fe.window_samples)  # fmt: skip
        yam.append(opinion.cry_scores(contexts))
        counts.append(windows.shape[0])
        assert yam[-1].size == windows.shape[0], (yam[-1].size, windows.shape)
    out = WindowScores(np.concatenate(small).astype(np.float64), np.concatenate(yam),
                       np.array(counts, np.int64))  # fmt: skip
    out.save(path)
    return out


class _Recording(Cascade):
    """Asks the second model about every window and records both scores; fuses nothing."""

    def __init__(self, opinion: SecondOpinion) -> None:
        super().__init__(opinion, OpinionStatus("on"))
        self.small: list[Float64] = []
        self.second: list[Float64] = []

    def fuse(self, cry: Float64, second: Float64) -> Float64:
        self.small.append(cry.copy())
        self.second.append(second.copy())
        return cry


def night_scores(
    night: Path, spec: ModelSpec, second: Path, hop: float, cache: Path
) -> WindowScores:
    """Both scores for every window of a night, through the monitor's own pipeline."""
    path = (
        cache
        / f"{night.stem}-{_key(night.stat().st_mtime_ns, spec.model_path.stat().st_mtime_ns, second, hop)}.npz"
    )
    if path.is_file():
        return WindowScores.load(path)
    recording = _Recording(SecondOpinion(yamnet_spec(second, spec.threshold)))
    pipeline = Pipeline(spec, hop_seconds=hop, cascade=recording)
    times: list[float] = []

    async def run() -> None:
        source = open_source(f"file:{night}", realtime=False, block_seconds=30.0)
        async for block in source.blocks():
            times.extend(w.stream_time for w in pipeline.process(block).windows)

    asyncio.run(run())
    small, yam = np.concatenate(recording.small), np.concatenate(recording.second)
    assert small.size == len(times), (small.size, len(times))
    out = WindowScores(small, yam, np.zeros(0, np.int64), np.array(times), pipeline.stream_time)
    out.save(path)
    return out


def committee(members: Sequence[WindowScores], *, gated: bool) -> WindowScores:
    """The first model's windows with every member's cry log-odds averaged (the second model's
    scores are the same for all): in place of its own score, or beside it when `gated`."""
    if len(members) == 1:
        return members[0]
    clipped = [np.clip(m.small, 1e-7, 1 - 1e-7) for m in members]
    mean = 1 / (1 + np.exp(-np.mean([np.log(c / (1 - c)) for c in clipped], axis=0)))
    return replace(members[0], **{"committee" if gated else "small": mean})


def fused(ws: WindowScores, cascade: Cascade | None) -> tuple[Float64, float]:
    """Per-window cry score the detector sees, and the fraction of windows that asked."""
    if cascade is None:
        return ws.small, 0.0
    ask = cascade.candidates(ws.small)
    out = ws.small.copy()
    asked = ws.small if ws.committee is None else ws.committee
    out[ask] = cascade.fuse(asked[ask], ws.second[ask])
    return out, float(ask.mean()) if ask.size else 0.0


def pooled(ws: WindowScores, scores: Float64) -> Float64:
    """Window scores back to clips: each clip's highest."""
    out: Float64 = clip_maxima(scores, ws.counts)
    return out


def swap_audio(
    val_neg: Sequence[FloatArray], val_cry: Sequence[FloatArray], cache: Path
) -> tuple[list[FloatArray], list[FloatArray]]:
    """The channel swap's clips as the dev figures build them: the validation negatives through
    phone lines, the validation cries in rooms at 2-3 m."""
    roomed, phoned = swap_clips(val_cry, val_neg, cache)
    return phoned, roomed
