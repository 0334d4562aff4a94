"""The one audio frontend: 16 kHz int16/float PCM -> log-mel frames, for training and inference alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


class FrontendError(ValueError):
    """Audio or configuration that the frontend cannot honour."""


@dataclass(frozen=True)
class FrontendConfig:
    """Frozen feature parameters; a model carries these in its model.json."""

    sample_rate: int = 16_000
    window_samples: int = 400  # 25 ms
    hop_samples: int = 160  # 10 ms
    fft_size: int = 512
    mel_bins: int = 40
    fmin_hz: float = 60.0
    # Capped at 4 kHz: most cries and all talking in the data are 8 kHz phone audio, and a
    # model that sees the band above 4 kHz learns "no treble means crying".
    fmax_hz: float = 4_000.0
    log_offset: float = 1e-6

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form, as stored in model.json."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FrontendConfig:
        """Build from model.json; unknown or missing keys are an error, not a silent default."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        missing = sorted(names - set(data))
        if unknown or missing:
            raise FrontendError(
                f"frontend config keys differ: unknown {unknown or 'none'}, missing {missing or 'none'}"
            )
        return cls(**data)

    def differences(self, other: FrontendConfig) -> list[str]:
        """Human-readable list of fields where `other` differs from this config."""
        mine, theirs = asdict(self), asdict(other)
        return [f"{k}: {theirs[k]} (expected {mine[k]})" for k in mine if mine[k] != theirs[k]]

    def frames_for(self, samples: int) -> int:
        """Number of complete frames in `samples` samples."""
        if samples < self.window_samples:
            return 0
        return 1 + (samples - self.window_samples) // self.hop_samples

    @cached_property
    def _mel_matrix(self) -> FloatArray:
        return mel_filterbank(self)

    @cached_property
    def _mel_matrix_f64(self) -> npt.NDArray[np.float64]:
        return self._mel_matrix.astype(np.float64)

    @cached_property
    def _mel_matrix_interleaved(self) -> npt.NDArray[np.float64]:
        """The filterbank cut after its last non-zero FFT bin, each row doubled.

        Applied to the squared (real, imag) pairs of the spectrum it gives the mel power with no
        separate |X|^2 pass, and skips the bins above fmax that every filter weights zero.
        """
        weights = self._mel_matrix_f64
        used = int(np.flatnonzero(weights.any(axis=1))[-1]) + 1
        return np.ascontiguousarray(np.repeat(weights[:used], 2, axis=0))

    @cached_property
    def _window(self) -> FloatArray:
        # Periodic Hann, the usual choice for STFT analysis.
        n = np.arange(self.window_samples, dtype=np.float64)
        return (0.5 - 0.5 * np.cos(2 * np.pi * n / self.window_samples)).astype(np.float32)


FRONTEND = FrontendConfig()
CHUNK_FRAMES = 64  # frames per FFT/filterbank pass in log_mel: small enough to stay in cache


def _hz_to_mel(hz: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0))


def _mel_to_hz(mel: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0))


def mel_filterbank(config: FrontendConfig = FRONTEND) -> FloatArray:
    """Triangular HTK-mel filters, shape (fft_size // 2 + 1, mel_bins)."""
    bins = config.fft_size // 2 + 1
    fft_hz = np.linspace(0.0, config.sample_rate / 2, bins)
    edges_mel = np.linspace(
        _hz_to_mel(np.float64(config.fmin_hz)),
        _hz_to_mel(np.float64(config.fmax_hz)),
        config.mel_bins + 2,
    )
    edges_hz = _mel_to_hz(edges_mel)
    lower, centre, upper = edges_hz[:-2], edges_hz[1:-1], edges_hz[2:]
    rising = (fft_hz[:, None] - lower) / (centre - lower)
    falling = (upper - fft_hz[:, None]) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.asarray(weights, dtype=np.float32)


def to_float(samples: npt.NDArray[Any]) -> FloatArray:
    """Mono PCM as float32 in [-1, 1); int16 is scaled, float is checked."""
    if samples.ndim != 1:
        raise FrontendError(f"expected mono audio (1-D array), got shape {samples.shape}")
    if samples.dtype == np.int16:
        return samples.astype(np.float32) / 32768.0
    if np.issubdtype(samples.dtype, np.floating):
        return samples.astype(np.float32, copy=False)
    raise FrontendError(f"expected int16 or float PCM, got dtype {samples.dtype}")


def log_mel(samples: npt.NDArray[Any], config: FrontendConfig = FRONTEND) -> FloatArray:
    """Log-mel frames of every complete window in `samples`: shape (frames, mel_bins)."""
    audio = to_float(samples)
    count = config.frames_for(audio.size)
    if count == 0:
        return np.zeros((0, config.mel_bins), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(audio, config.window_samples)[
        :: config.hop_samples
    ][:count]
    out = np.empty((count, config.mel_bins), dtype=np.float32)
    # numpy's pocketfft is markedly faster in float64 than float32, and an explicitly padded
    # contiguous buffer beats rfft(n=...) padding on the fly. Working through CHUNK_FRAMES frames
    # at a time keeps every intermediate in cache (about 1.7x faster on 30-s blocks); each frame
    # is computed on its own, so the result does not depend on the chunking.
    padded = np.zeros((min(count, CHUNK_FRAMES), config.fft_size), dtype=np.float64)
    interleaved = config._mel_matrix_interleaved
    used = interleaved.shape[0]
    for start in range(0, count, CHUNK_FRAMES):
        chunk = frames[start : start + CHUNK_FRAMES]
        buffer = padded[: chunk.shape[0]]
        np.multiply(chunk, config._window, out=buffer[:, : config.window_samples])
        spectrum = np.fft.rfft(buffer, axis=1)
        pairs = spectrum.view(np.float64)[:, :used]  # re, im, re, im, ...
        mel = np.square(pairs) @ interleaved
        mel += config.log_offset
        out[start : start + chunk.shape[0]] = np.log(mel, out=mel)
    return out


class StreamingFrontend:
    """Feeds blocks of any size and yields exactly the frames `log_mel` gives for the whole stream."""

    def __init__(self, config: FrontendConfig = FRONTEND) -> None:
        self.config = config
        self._pending: FloatArray = np.zeros(0, dtype=np.float32)

    def reset(self) -> None:
        """Forget buffered samples (after a gap in the audio)."""
        self._pending = np.zeros(0, dtype=np.float32)

    def process(self, block: npt.NDArray[Any]) -> FloatArray:
        """Frames completed by this block, shape (n, mel_bins); n may be 0."""
        audio = np.concatenate([self._pending, to_float(block)])
        count = self.config.frames_for(audio.size)
        frames = log_mel(audio, self.config)
        self._pending = audio[count * self.config.hop_samples :]
        return frames
