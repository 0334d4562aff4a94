"""Score whole clips with a window classifier: the cry score is the clip's most cry-like window."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .features import clip_windows

FloatArray = npt.NDArray[np.float32]
Predictor = Callable[[FloatArray], FloatArray]
BATCH = 512


@dataclass(frozen=True)
class ClipScores:
    """Per clip: the highest window probability of crying, and mean probabilities over windows."""

    cry: FloatArray
    probabilities: FloatArray


def predict_batched(predict: Predictor, windows: FloatArray, batch: int = BATCH) -> FloatArray:
    """Run `predict` over windows in chunks (bounded memory, one interpreter resize per size)."""
    parts = [predict(windows[i : i + batch]) for i in range(0, windows.shape[0], batch)]
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def windows_for_clips(
    audios: Sequence[FloatArray], frames: int, hop_frames: int
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """All clips' windows stacked, and how many windows each clip has."""
    per_clip = [clip_windows(a, frames, hop_frames) for a in audios]
    if not per_clip:
        return np.zeros((0, frames, 0), np.float32), np.zeros(0, np.int64)
    return np.concatenate(per_clip), np.array([w.shape[0] for w in per_clip], dtype=np.int64)


def clip_maxima(values: npt.NDArray[Any], counts: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
    """Per-window values back to clips (`counts` windows each, in order): each clip's highest."""
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return np.array([values[a:b].max() for a, b in itertools.pairwise(bounds)], values.dtype)


def pool_windows(probs: FloatArray, counts: npt.NDArray[np.int64], cry_index: int) -> ClipScores:
    """Window probabilities back to clips: max for crying, mean for the label distribution."""
    bounds = np.concatenate([[0], np.cumsum(counts)])
    spans = list(itertools.pairwise(bounds))
    if not spans:
        return ClipScores(np.zeros(0, np.float32), np.zeros((0, probs.shape[-1]), np.float32))
    cry = clip_maxima(probs[:, cry_index], counts).astype(np.float32)
    mean = np.stack([probs[a:b].mean(axis=0) for a, b in spans]).astype(np.float32)
    return ClipScores(cry, mean)


def score_clips(
    audios: Sequence[FloatArray], predict: Predictor, frames: int, hop_frames: int, cry_index: int
) -> ClipScores:
    """Window every clip, classify all windows, and pool back to clips."""
    windows, counts = windows_for_clips(audios, frames, hop_frames)
    return pool_windows(predict_batched(predict, windows), counts, cry_index)


@dataclass(frozen=True)
class Scorer:
    """A model scoring clips at an operating point: `frames`-frame windows every `hop_frames`."""

    predict: Predictor
    frames: int
    hop_frames: int
    cry_index: int
    threshold: float

    def hits(self, audios: Sequence[FloatArray]) -> npt.NDArray[np.bool_]:
        """Per clip: whether its cry score reaches the threshold."""
        scores = score_clips(audios, self.predict, self.frames, self.hop_frames, self.cry_index)
        return scores.cry >= self.threshold


def decide(
    scores: ClipScores, labels: Sequence[str], cry_index: int, threshold: float
) -> list[str]:
    """Crying when the cry score reaches the threshold, else the likeliest other label."""
    others = scores.probabilities.copy()
    others[:, cry_index] = -1.0
    best = others.argmax(axis=1)
    return [
        labels[cry_index] if cry >= threshold else labels[int(b)]
        for cry, b in zip(scores.cry, best, strict=True)
    ]
