"""Synthetic sounds: coloured noise, quiet rooms and noise machines, for classes the data lacks."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.frontend import FRONTEND

from .levels import set_rms_dbfs

FloatArray = npt.NDArray[np.float32]
COLOURS = {"white": 0.0, "pink": 1.0, "brown": 2.0}


def coloured_noise(samples: int, beta: float, rng: np.random.Generator) -> FloatArray:
    """Gaussian noise with a 1/f**beta power spectrum (0 white, 1 pink, 2 brown), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    freqs = np.fft.rfftfreq(samples)
    freqs[0] = freqs[1] if samples > 1 else 1.0
    spectrum *= freqs ** (-beta / 2.0)
    noise = np.fft.irfft(spectrum, n=samples)
    rms = float(np.sqrt(np.mean(noise**2))) or 1.0
    return (noise / rms).astype(np.float32)


def mains_hum(
    samples: int, rng: np.random.Generator, rate: int = FRONTEND.sample_rate
) -> FloatArray:
    """50 or 60 Hz hum with a few decaying harmonics, unit RMS."""
    base = float(rng.choice([50.0, 60.0]))
    t = np.arange(samples) / rate
    hum = sum(
        (0.6**k) * np.sin(2 * np.pi * base * (k + 1) * t + rng.uniform(0, 2 * np.pi))
        for k in range(int(rng.integers(1, 6)))
    )
    hum = np.asarray(hum, dtype=np.float64)
    rms = float(np.sqrt(np.mean(hum**2))) or 1.0
    return (hum / rms).astype(np.float32)


def quiet_room(samples: int, rng: np.random.Generator) -> FloatArray:
    """An empty room at night: faint pink/brown noise, sometimes hum, sometimes near-digital silence."""
    kind = rng.uniform()
    if kind < 0.15:
        # Gated or muted inputs deliver (almost) zeros.
        return (rng.standard_normal(samples) * 10 ** (rng.uniform(-110, -90) / 20)).astype(
            np.float32
        )
    room = set_rms_dbfs(coloured_noise(samples, rng.uniform(0.8, 2.0), rng), rng.uniform(-85, -55))
    if kind > 0.6:
        room = room + set_rms_dbfs(mains_hum(samples, rng), rng.uniform(-80, -55))
    return room.astype(np.float32)


def noise_machine(samples: int, rng: np.random.Generator) -> FloatArray:
    """A white-noise machine or fan: white to brown noise at a nursery level."""
    beta = float(rng.choice(list(COLOURS.values()))) + rng.uniform(-0.3, 0.3)
    return set_rms_dbfs(coloured_noise(samples, beta, rng), rng.uniform(-45, -12))
