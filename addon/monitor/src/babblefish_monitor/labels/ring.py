"""The last few minutes of audio, in memory only, so a missed cry can still be kept as a clip."""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt


class AudioRing:
    """The last few minutes of audio blocks with their end in stream time."""

    def __init__(self, keep_s: float, sample_rate: int = 16_000) -> None:
        self.rate = sample_rate
        self.keep = int(keep_s * sample_rate)
        self._blocks: deque[npt.NDArray[np.int16]] = deque()
        self._held = 0
        self.end = 0.0

    def feed(self, block: npt.NDArray[np.int16], end: float) -> None:
        self._blocks.append(block)
        self._held += block.size
        self.end = end
        while self._blocks and self._held - self._blocks[0].size >= self.keep:
            self._held -= self._blocks.popleft().size

    def between(self, start: float, end: float) -> npt.NDArray[np.int16]:
        if not self._blocks:
            return np.zeros(0, np.int16)
        audio = np.concatenate(list(self._blocks))
        first = self.end - audio.size / self.rate
        lo = max(0, int((start - first) * self.rate))
        hi = max(lo, int((end - first) * self.rate))
        return audio[lo:hi]
