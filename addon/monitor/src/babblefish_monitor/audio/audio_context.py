"""The most recent stretch of audio the pipeline has seen, so a window's own waveform can be re-read."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .frontend import to_float

FloatArray = npt.NDArray[np.float32]


class AudioContext:
    """Keeps the last `keep` samples before each block plus the block; cut by stream sample index."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.reset(0)

    def reset(self, stream_sample: int) -> None:
        """Forget everything (a gap in the audio): what lies before `stream_sample` reads as silence."""
        self._audio: FloatArray = np.zeros(0, dtype=np.float32)
        self._start = stream_sample  # stream sample index of self._audio[0]

    def feed(self, block: npt.NDArray[Any]) -> None:
        """Append a block (int16 or float) after dropping what no later window can need."""
        drop = max(0, self._audio.size - self.keep)
        self._audio = np.concatenate([self._audio[drop:], to_float(block)])
        self._start += drop

    def ending_at(self, ends: npt.NDArray[np.int64], length: int) -> FloatArray:
        """(n, length) waveforms, each ending at a stream sample index; zeros before the kept audio."""
        out = np.zeros((ends.size, length), dtype=np.float32)
        for row, end in enumerate(ends):
            stop = int(end) - self._start
            begin = stop - length
            take = self._audio[max(0, begin) : max(0, stop)]
            out[row, length - take.size :] = take
        return out
