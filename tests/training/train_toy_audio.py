"""Toy sounds for the training tests: a wailing harmonic cry, a buzzy talk, broadband bursts."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 16_000
TINY_LABELS = ("crying", "talking", "other")


def synth_clip(label: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Distinct toy sounds: a wailing harmonic 'cry', a low buzzy 'talk', broadband bursts for 'other'."""
    t = np.arange(int(seconds * RATE)) / RATE
    if label == "crying":
        f0 = rng.uniform(380, 520) * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * t))
        phase = 2 * np.pi * np.cumsum(f0) / RATE
        audio = sum(np.sin(k * phase) / k for k in range(1, 6))
    elif label == "talking":
        f0 = rng.uniform(100, 160)
        audio = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 12))
        audio *= (np.sin(2 * np.pi * 4 * t) > 0).astype(float)
    else:
        audio = rng.standard_normal(t.size) * (np.sin(2 * np.pi * rng.uniform(1, 3) * t) > 0.3)
    audio = np.asarray(audio, dtype=np.float64)
    audio = audio / (np.abs(audio).max() or 1.0) * rng.uniform(0.1, 0.6)
    return audio.astype(np.float32)


# The `make_dataset` fixture's type: tests import it from here, never from conftest.
DatasetFactory = Callable[..., Path]


def write_dataset(
    root: Path,
    *,
    labels: tuple[str, ...] = TINY_LABELS,
    clips: int = 8,
    seconds: float = 2.0,
    manifest: bool = True,
    seed: int = 0,
) -> Path:
    """Write ROOT/<label>/<clip>.wav (optionally with a manifest giving two clips per group)."""
    rng = np.random.default_rng(seed)
    rows = []
    for label in labels:
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(clips):
            relative = f"{label}/{label}-{i:02d}.wav"
            sf.write(root / relative, synth_clip(label, seconds, rng), RATE, subtype="PCM_16")
            rows.append({"path": relative, "label": label, "source": "toy",
                         "group_id": f"{label}:{i // 2}"})  # fmt: skip
    if manifest:
        with (root / "manifest.csv").open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["path", "label", "source", "group_id"])
            writer.writeheader()
            writer.writerows(rows)
    return root
