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
from babblefish_monitor.audio.cascade import Cascade, OpinionStatus, off
from babblefish_monitor.audio.cascade_spec import CascadeSpec
from babblefish_monitor.audio.committee import classifier_for, gated_consensus
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
    """Per window: the small model's cry score and the second model's, and every label's
    probability from the small model; clips: windows per clip."""

    small: Float64
    second: Float64
    counts: npt.NDArray[np.int64]
    times: Float64 = field(default_factory=lambda: np.zeros(0))
    audio_seconds: float = 0.0
    rows: FloatArray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    # Fraction of windows on which a committee's siblings were asked (0: no committee).
    committee_asked: float = 0.0

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, small=self.small, second=self.second, counts=self.counts,
                 times=self.times, audio_seconds=self.audio_seconds, rows=self.rows)  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> WindowScores:
        d = np.load(path)
        return cls(d["small"], d["second"], d["counts"], d["times"], float(d["audio_seconds"]),
                   d["rows"])  # fmt: skip


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _model_key(spec: ModelSpec) -> str:
    """What a model directory's scores depend on: its network and its model.json (a committee
    section changes them without touching the network)."""
    spec_text = (spec.directory / "model.json").read_bytes()
    return _key(spec.model_path.stat().st_mtime_ns, hashlib.sha1(spec_text).hexdigest())


def clip_scores(
    name: str, audios: Sequence[FloatArray], spec: ModelSpec, second: Path | None, cache: Path
) -> WindowScores:
    """Both scores for every window of every clip, windowed as the clip benches window them
    (`second` None: the small model's only, the second model's left at zero)."""
    digest = hashlib.sha1(b"".join(a.tobytes()[:4096] for a in audios)).hexdigest()[:12]
    path = cache / f"{name}-{_key(_model_key(spec), second, len(audios), digest)}.npz"
    if path.is_file():
        return WindowScores.load(path)
    hop = int(spec.extra.get("window_hop_frames", spec.input_frames // 2))
    fe = spec.frontend
    classifier = classifier_for(spec)
    opinion = None if second is None else SecondOpinion(yamnet_spec(second, spec.threshold))
    rows: list[FloatArray] = []
    yam: list[Float64] = []
    counts: list[int] = []
    for audio in audios:
        windows = clip_windows(audio, spec.input_frames, hop)
        rows.append(predict_batched(classifier.predict, windows))
        counts.append(windows.shape[0])
        if opinion is None:
            yam.append(np.zeros(windows.shape[0], np.float64))
            continue
        contexts = contexts_for_clip(audio, spec.input_frames, hop, 15_600,
                                     fe_hop=fe.hop_samples, fe_window=fe.window_samples)  # fmt: skip
        yam.append(opinion.cry_scores(contexts))
        assert yam[-1].size == windows.shape[0], (yam[-1].size, windows.shape)
    every = np.concatenate(rows)
    out = WindowScores(every[:, spec.cry_index].astype(np.float64), np.concatenate(yam),
                       np.array(counts, np.int64), rows=every)  # fmt: skip
    out.save(path)
    return out


class _Recording(Cascade):
    """Asks the second model about every window and records both scores; fuses nothing."""

    def __init__(self, opinion: SecondOpinion) -> None:
        super().__init__(opinion, OpinionStatus("on"))
        self.second: list[Float64] = []

    def fuse(self, cry: Float64, second: Float64) -> Float64:
        self.second.append(second.copy())
        return cry


def night_scores(
    night: Path, spec: ModelSpec, second: Path | None, hop: float, cache: Path
) -> WindowScores:
    """Both scores for every window of a night, through the monitor's own pipeline (`second`
    None: the small model's only)."""
    path = (
        cache / f"{night.stem}-{_key(night.stat().st_mtime_ns, _model_key(spec), second, hop)}.npz"
    )
    if path.is_file():
        return WindowScores.load(path)
    recording = (
        None if second is None else _Recording(SecondOpinion(yamnet_spec(second, spec.threshold)))
    )
    pipeline = Pipeline(spec, hop_seconds=hop, cascade=recording or off())
    times: list[float] = []
    rows: list[FloatArray] = []

    def keep(at: Float64, windows: npt.NDArray[np.float32], scores: Float64) -> Float64:
        rows.append(scores.astype(np.float32))
        return scores

    pipeline.window_hook = keep

    async def run() -> None:
        source = open_source(f"file:{night}", realtime=False, block_seconds=30.0)
        async for block in source.blocks():
            times.extend(w.stream_time for w in pipeline.process(block).windows)

    asyncio.run(run())
    every = np.concatenate(rows)
    small = every[:, spec.cry_index].astype(np.float64)
    yam = np.zeros(small.size) if recording is None else np.concatenate(recording.second)
    assert small.size == len(times) == yam.size, (small.size, len(times))
    out = WindowScores(small, yam, np.zeros(0, np.int64), np.array(times), pipeline.stream_time,
                       every)  # fmt: skip
    out.save(path)
    return out


def committee(members: Sequence[WindowScores], cry_index: int, gate: float) -> WindowScores:
    """The first model's windows joined with every member's as the monitor's committee joins them
    (`gated_consensus`; the second model's scores are the same for all)."""
    if len(members) == 1:
        return members[0]
    first = members[0]
    rows, asked = gated_consensus(first.rows, cry_index, gate,
                                  lambda gated: [m.rows[gated] for m in members[1:]])  # fmt: skip
    return replace(first, small=rows[:, cry_index].astype(np.float64), rows=rows,
                   committee_asked=asked / max(1, rows.shape[0]))  # fmt: skip


def fused(ws: WindowScores, cascade: Cascade | None) -> tuple[Float64, float]:
    """Per-window cry score the detector sees, and the fraction of windows that asked."""
    if cascade is None:
        return ws.small, 0.0
    ask = cascade.candidates(ws.small)
    out = ws.small.copy()
    out[ask] = cascade.fuse(ws.small[ask], ws.second[ask])
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
