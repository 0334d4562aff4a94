"""What adaptation learns from: per-window features the pipeline already computes, live or from a clip.

The default model has no embedding output, so a window is described by what the monitor has at
hand: the classifier's scores over every label (as log-probabilities) and the mean and spread of
each log-mel bin over the window. Rows are stored as [time, raw cry score, features...].
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline

FloatArray = npt.NDArray[np.float32]
REPRESENTATION = (
    "classifier scores over all labels (log) + per-bin mean and spread of the window's log-mel "
    "(the model has no embedding output)"
)
TIME, CRY = 0, 1  # columns of a stored row before the features
LOG_FLOOR = 1e-4


def window_features(windows: npt.NDArray[Any], scores: npt.NDArray[np.float64]) -> FloatArray:
    """(n, 2 * mel_bins + labels) features for prepared windows (n, frames, mel_bins).

    The windows may be quantised: an affine map of log-mel, which standardisation undoes.
    """
    values = windows.astype(np.float32)
    out: FloatArray = np.concatenate(
        [values.mean(axis=1), values.std(axis=1), np.log(scores + LOG_FLOOR).astype(np.float32)],
        axis=1,
    ).astype(np.float32)
    return out


def rows(
    times: npt.NDArray[np.float64], cry: npt.NDArray[np.float64], features: FloatArray
) -> FloatArray:
    """Stored rows: time, raw cry score, then the features."""
    return np.column_stack([times, cry, features]).astype(np.float32)


class FeatureLog:
    """The last `keep_s` seconds of window rows, in stream time, kept in memory only."""

    def __init__(self, keep_s: float = 600.0) -> None:
        self.keep_s = keep_s
        self._chunks: deque[FloatArray] = deque()

    def append(self, chunk: FloatArray) -> None:
        if chunk.size == 0:
            return
        self._chunks.append(chunk)
        newest = float(chunk[-1, TIME])
        while self._chunks and float(self._chunks[0][-1, TIME]) < newest - self.keep_s:
            self._chunks.popleft()

    def between(self, start: float, end: float) -> FloatArray:
        """Rows whose window ends in [start, end] of stream time."""
        if not self._chunks:
            return np.zeros((0, 0), np.float32)
        data = np.concatenate(list(self._chunks))
        keep = (data[:, TIME] >= start) & (data[:, TIME] <= end)
        return data[keep]

    @property
    def oldest(self) -> float | None:
        return float(self._chunks[0][0, TIME]) if self._chunks else None


def rows_of_audio(spec: ModelSpec, pipeline: Pipeline, audio: npt.NDArray[Any]) -> FloatArray:
    """Rows for a whole clip, through a fresh copy of the live pipeline's own window path."""
    sink: list[FloatArray] = []

    def tap(
        times: npt.NDArray[np.float64], windows: npt.NDArray[Any], scores: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        sink.append(rows(times, scores[:, spec.cry_index], window_features(windows, scores)))
        return scores

    fresh = Pipeline(spec, pipeline.detector.config, classifier=pipeline.classifier)
    fresh.window_hook = tap
    step = spec.frontend.sample_rate // 4
    for at in range(0, audio.shape[0], step):
        fresh.process(audio[at : at + step])
    if not sink:
        return np.zeros((0, 2), np.float32)
    return np.concatenate(sink)
