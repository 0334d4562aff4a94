"""Clip cry scores as a cascade model directory's monitor sees them: the small model's windows, with
the second model's opinion fused in on the windows that open the gate."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.cascade import Cascade
from babblefish_monitor.audio.model import ModelSpec

from .scoring import clip_maxima

FloatArray = npt.NDArray[np.float32]
Float64 = npt.NDArray[np.float64]


def contexts_for_clip(
    audio: FloatArray, frames: int, hop_frames: int, length: int, *, fe_hop: int, fe_window: int
) -> FloatArray:
    """The `length` samples ending where each of `clip_windows`' windows ends (zeros before);
    `fe_hop` and `fe_window`: the frontend's hop and window in samples."""
    need = (frames - 1) * fe_hop + fe_window
    padded = np.concatenate([np.zeros(length, np.float32), audio,
                             np.zeros(max(0, need - audio.size), np.float32)])  # fmt: skip
    count = (max(audio.size, need) - fe_window) // fe_hop + 1
    starts = range(0, count - frames + 1, hop_frames)
    ends = [length + s * fe_hop + need for s in starts]
    out: FloatArray = np.stack([padded[e - length : e] for e in ends]).astype(np.float32)
    return out


@dataclass(frozen=True)
class FusedClips:
    """Per clip: the highest fused window cry score; and the share of windows that asked."""

    cry: Float64
    asked_fraction: float


def fused_clip_scores(
    audios: Sequence[FloatArray],
    window_cry: Float64,
    counts: npt.NDArray[np.int64],
    cascade: Cascade,
    *,
    model: ModelSpec,
    hop_frames: int,
) -> FusedClips:
    """`window_cry`: the small model's cry score of every window of every clip, clip by clip."""
    spec, opinion = cascade.spec, cascade.opinion
    assert spec is not None and opinion is not None, "a cascade that is on"
    fe = model.frontend
    fused = window_cry.astype(np.float64).copy()
    bounds = np.concatenate([[0], np.cumsum(counts)])
    asked = 0
    for audio, (a, b) in zip(audios, itertools.pairwise(bounds), strict=True):
        ask = np.flatnonzero(cascade.candidates(fused[a:b]))
        if ask.size == 0:
            continue
        contexts = contexts_for_clip(audio, model.input_frames, hop_frames, spec.input_samples,
                                     fe_hop=fe.hop_samples, fe_window=fe.window_samples)[ask]  # fmt: skip
        fused[a + ask] = cascade.fuse(fused[a + ask], opinion.cry_scores(contexts))
        asked += int(ask.size)
    return FusedClips(clip_maxima(fused, counts), asked / max(1, int(counts.sum())))
