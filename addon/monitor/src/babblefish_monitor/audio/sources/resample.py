"""Streaming rational-ratio resampler (windowed-sinc polyphase FIR) in plain numpy."""

from __future__ import annotations

from math import gcd

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

TAPS_PER_PHASE = 32


class Resampler:
    """Converts float audio from `in_rate` to `out_rate` block by block, continuous across blocks.

    The low-pass cuts below the lower Nyquist rate, so nothing above 8 kHz folds into the
    feature band when a 44.1 or 48 kHz file is brought down to 16 kHz.
    """

    def __init__(self, in_rate: int, out_rate: int, taps_per_phase: int = TAPS_PER_PHASE) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
        g = gcd(in_rate, out_rate)
        self.up, self.down = out_rate // g, in_rate // g
        self.taps = taps_per_phase
        self._bank = self._design(self.up, self.down, taps_per_phase)
        # History keeps the last taps-1 input samples so the filter spans block edges.
        self._history: FloatArray = np.zeros(taps_per_phase - 1, dtype=np.float32)
        self._next_pos = (
            0  # position of the next output in up-sampled units, relative to history start
        )

    @staticmethod
    def _design(up: int, down: int, taps: int) -> FloatArray:
        length = taps * up
        cutoff = 0.5 / max(up, down) * 0.95  # cycles per up-sampled sample, a little margin
        n = np.arange(length, dtype=np.float64) - (length - 1) / 2
        h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(length, 8.0)
        h *= up / h.sum()  # unity gain at DC after zero-stuffing by `up`
        # Phase p holds taps h[p], h[p + up], ...; reversed so a dot with ascending input works.
        return np.ascontiguousarray(h.reshape(taps, up).T[:, ::-1]).astype(np.float32)

    def process(self, samples: FloatArray) -> FloatArray:
        """Resampled output for this block (length varies by a sample around in * ratio)."""
        if self.up == self.down:
            return np.asarray(samples, dtype=np.float32)
        data: FloatArray = np.concatenate([self._history, np.asarray(samples, dtype=np.float32)])
        # Output k reads inputs [base, base + taps) with base = pos // up and phase pos % up.
        last_base = data.size - self.taps
        if last_base < 0:
            self._history = data
            return np.zeros(0, dtype=np.float32)
        max_pos = last_base * self.up + self.up - 1
        positions = np.arange(self._next_pos, max_pos + 1, self.down, dtype=np.int64)
        bases, phases = np.divmod(positions, self.up)
        windows = np.lib.stride_tricks.sliding_window_view(data, self.taps)[bases]
        out = np.asarray(np.einsum("ij,ij->i", windows, self._bank[phases]), dtype=np.float32)
        next_pos = int(positions[-1] + self.down) if positions.size else self._next_pos
        consumed = min(next_pos // self.up, data.size - (self.taps - 1))
        self._history = data[consumed:]
        self._next_pos = next_pos - consumed * self.up
        return out
