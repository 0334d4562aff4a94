"""Signal levels: RMS in dBFS (full-scale square wave = 0 dBFS), setting a level, per-window levels."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
SILENCE_DBFS = -120.0


def rms_dbfs(audio: npt.NDArray[np.floating]) -> float:
    """RMS level in dB relative to full scale (a full-scale square wave is 0 dBFS)."""
    if audio.size == 0:
        return SILENCE_DBFS
    power = float(np.mean(np.square(audio, dtype=np.float64)))
    return max(SILENCE_DBFS, 10.0 * float(np.log10(power + 1e-20)))


def set_rms_dbfs(audio: FloatArray, target_dbfs: float) -> FloatArray:
    """Scale to an RMS of `target_dbfs`; silence stays silence."""
    current = rms_dbfs(audio)
    if current <= SILENCE_DBFS:
        return audio
    return (audio * np.float32(10.0 ** ((target_dbfs - current) / 20.0))).astype(np.float32)


def window_levels(audio: FloatArray, window: int, hop: int) -> FloatArray:
    """RMS dBFS of each `window`-sample stretch, every `hop` samples (at least one value)."""
    if audio.size <= window:
        return np.array([rms_dbfs(audio)], dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(audio, window)[::hop]
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    levels: FloatArray = np.maximum(SILENCE_DBFS, 10.0 * np.log10(power + 1e-20)).astype(np.float32)
    return levels
