"""Sound level: RMS and peak dBFS per second of audio, with an optional calibration offset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FLOOR_DBFS = -120.0  # digital silence reads as this rather than -inf


@dataclass(frozen=True)
class LevelReading:
    """One period's level; `stream_time` is the end of the period in seconds of audio."""

    stream_time: float
    rms_dbfs: float
    peak_dbfs: float


def _dbfs(linear: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        return np.maximum(20.0 * np.log10(linear), FLOOR_DBFS)


class LevelMeter:
    """Accumulates int16 blocks and reports one LevelReading per completed period.

    dBFS as `sox stats` reports it: full scale is 1.0, so a full-scale sine reads -3 dB RMS.
    """

    def __init__(
        self, sample_rate: int = 16_000, period_seconds: float = 1.0, calibration_db: float = 0.0
    ) -> None:
        self.period = max(1, round(sample_rate * period_seconds))
        self.sample_rate = sample_rate
        self.calibration_db = calibration_db
        self._samples = 0  # everything ever processed, so readings keep their stream time
        self.reset()

    def reset(self) -> None:
        """Drop the partial period (after a gap in the audio)."""
        self._sum_squares = 0.0
        self._peak = 0.0
        self._count = 0

    def process(self, block: npt.NDArray[Any]) -> list[LevelReading]:
        """Readings for every period this block completes."""
        # float32 is plenty for a level in dB and halves the memory traffic of the audio loop.
        audio = np.abs(block, dtype=np.float32)
        if block.dtype == np.int16:
            audio *= 1 / 32768
        readings: list[LevelReading] = []
        head = min(audio.size, self.period - self._count)
        self._accumulate(audio[:head])
        if self._count == self.period:
            readings.append(self._reading(self._samples + head, self._sum_squares, self._peak))
            self.reset()
        rest = audio[head:]
        whole = rest.size // self.period
        if whole:
            periods = rest[: whole * self.period].reshape(whole, self.period)
            sums = np.einsum("ij,ij->i", periods, periods, dtype=np.float64)
            peaks = periods.max(axis=1)
            ends = self._samples + head + self.period * np.arange(1, whole + 1)
            readings.extend(map(self._reading, ends.tolist(), sums.tolist(), peaks.tolist()))
        self._accumulate(rest[whole * self.period :])
        self._samples += audio.size
        return readings

    def _accumulate(self, part: npt.NDArray[np.float32]) -> None:
        if part.size:
            self._sum_squares += float(np.dot(part, part))
            self._peak = max(self._peak, float(part.max()))
            self._count += part.size

    def _reading(self, end_sample: int, sum_squares: float, peak: float) -> LevelReading:
        rms, pk = _dbfs(np.array([np.sqrt(sum_squares / self.period), peak]))
        return LevelReading(
            stream_time=end_sample / self.sample_rate,
            rms_dbfs=round(float(rms) + self.calibration_db, 2),
            peak_dbfs=round(float(pk) + self.calibration_db, 2),
        )
