"""Model inputs from audio through the monitor's own frontend: training windows and a clip's windows."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.frontend import FRONTEND, FrontendConfig, log_mel

FloatArray = npt.NDArray[np.float32]
DEFAULT_FRAMES = 98  # one second at a 10 ms hop with a 25 ms window


def window_samples(frames: int, config: FrontendConfig = FRONTEND) -> int:
    """Samples that make exactly `frames` frames."""
    return (frames - 1) * config.hop_samples + config.window_samples


def features_of(
    windows: Iterable[FloatArray], frames: int, config: FrontendConfig = FRONTEND
) -> FloatArray:
    """Stack log-mel features of equal-length windows: (n, frames, mel_bins)."""
    stacked = [log_mel(w, config)[:frames] for w in windows]
    if not stacked:
        return np.zeros((0, frames, config.mel_bins), dtype=np.float32)
    return np.stack(stacked).astype(np.float32)


def clip_windows(
    audio: FloatArray, frames: int, hop_frames: int, config: FrontendConfig = FRONTEND
) -> FloatArray:
    """Every `hop_frames`-th window of `frames` frames across a clip; a short clip is zero-padded."""
    need = window_samples(frames, config)
    if audio.size < need:
        audio = np.concatenate([audio, np.zeros(need - audio.size, dtype=np.float32)])
    spectrogram = log_mel(audio, config)
    starts = range(0, spectrogram.shape[0] - frames + 1, hop_frames)
    return np.stack([spectrogram[s : s + frames] for s in starts]).astype(np.float32)
