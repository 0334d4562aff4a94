"""Waveform augmentation: channel (filters, reverb), noise and background mixing, and level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.frontend import FRONTEND
from scipy.signal import butter, fftconvolve, sosfilt

from .levels import rms_dbfs, set_rms_dbfs
from .synth import coloured_noise

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges; levels are RMS dBFS of the finished window."""

    # Wide on purpose: a nursery microphone hears a cry from -50 dBFS (far, quiet) to near full
    # scale (close; some validation cries clip). -40..-10 left the model missing both ends.
    level_dbfs: tuple[float, float] = (-50.0, -5.0)
    noise_prob: float = 0.4
    noise_snr_db: tuple[float, float] = (-5.0, 25.0)
    background_prob: float = 0.3
    background_snr_db: tuple[float, float] = (0.0, 20.0)
    lowpass_prob: float = 0.5
    lowpass_hz: tuple[float, float] = (1800.0, 3800.0)
    highpass_prob: float = 0.3
    highpass_hz: tuple[float, float] = (80.0, 500.0)
    reverb_prob: float = 0.3
    rt60_s: tuple[float, float] = (0.1, 0.6)


def _filter_bank(
    kind: str, band: tuple[float, float], count: int, rate: int
) -> list[npt.NDArray[np.float64]]:
    edges = np.geomspace(band[0], band[1], count)
    return [
        np.asarray(butter(order, hz, btype=kind, fs=rate, output="sos"), dtype=np.float64)
        for hz in edges
        for order in (2, 6)
    ]


def room_impulse(
    rt60_s: float, rng: np.random.Generator, rate: int = FRONTEND.sample_rate
) -> FloatArray:
    """Exponentially decaying noise with a direct path: a crude but useful room."""
    length = max(16, int(rt60_s * rate))
    t = np.arange(length) / rate
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60_s)
    tail *= 10 ** (rng.uniform(-12, -3) / 20) / (np.sqrt(np.sum(tail**2)) or 1.0)
    tail[0] = 1.0
    impulse: FloatArray = tail.astype(np.float32)
    return impulse


class Augmenter:
    """Turns a source segment into one augmented training window of `length` samples."""

    def __init__(
        self,
        length: int,
        backgrounds: Sequence[FloatArray] = (),
        config: AugmentConfig | None = None,
        rate: int = FRONTEND.sample_rate,
    ) -> None:
        self.length = length
        self.config = config or AugmentConfig()
        self.backgrounds = [b for b in backgrounds if b.size > 0]
        self._lowpass = _filter_bank("lowpass", self.config.lowpass_hz, 8, rate)
        self._highpass = _filter_bank("highpass", self.config.highpass_hz, 5, rate)

    def _background(self, rng: np.random.Generator, samples: int) -> FloatArray:
        source = self.backgrounds[int(rng.integers(len(self.backgrounds)))]
        if source.size < samples:
            source = np.tile(source, samples // source.size + 1)
        start = int(rng.integers(source.size - samples + 1))
        return source[start : start + samples]

    @staticmethod
    def _mix(signal: FloatArray, noise: FloatArray, snr_db: float) -> FloatArray:
        level = rms_dbfs(signal)
        return (signal + set_rms_dbfs(noise, level - snr_db)).astype(np.float32)

    def channel(self, segment: FloatArray, rng: np.random.Generator) -> FloatArray:
        """Microphone and room: low-pass, high-pass and reverb, each with its probability."""
        cfg = self.config
        out = segment.astype(np.float64)
        if rng.uniform() < cfg.reverb_prob:
            out = fftconvolve(out, room_impulse(rng.uniform(*cfg.rt60_s), rng))[: out.size]
        if rng.uniform() < cfg.highpass_prob:
            out = sosfilt(self._highpass[int(rng.integers(len(self._highpass)))], out)
        if rng.uniform() < cfg.lowpass_prob:
            out = sosfilt(self._lowpass[int(rng.integers(len(self._lowpass)))], out)
        return out.astype(np.float32)

    def __call__(
        self, segment: FloatArray, rng: np.random.Generator, keep_level: bool = False
    ) -> FloatArray:
        """Augment `segment` (>= length samples; the lead-in settles filters) to `length` samples.

        With keep_level the window stays within 6 dB of its own level (quiet rooms stay quiet);
        otherwise its RMS lands in config.level_dbfs.
        """
        cfg = self.config
        original = rms_dbfs(segment[-self.length :])
        out = self.channel(segment, rng)[-self.length :]
        if rng.uniform() < cfg.noise_prob:
            beta = float(rng.choice([0.0, 1.0, 2.0]))
            out = self._mix(
                out, coloured_noise(self.length, beta, rng), rng.uniform(*cfg.noise_snr_db)
            )
        if self.backgrounds and rng.uniform() < cfg.background_prob:
            out = self._mix(
                out, self._background(rng, self.length), rng.uniform(*cfg.background_snr_db)
            )
        target = original + rng.uniform(-6, 6) if keep_level else rng.uniform(*cfg.level_dbfs)
        out = set_rms_dbfs(out, min(target, cfg.level_dbfs[1]) if keep_level else target)
        return np.clip(out, -1.0, 1.0).astype(np.float32)
