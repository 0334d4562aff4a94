"""Fixtures for the training tests: tiny synthetic folder-per-label datasets written as real audio files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from train_toy_audio import RATE, TINY_LABELS, DatasetFactory, synth_clip


@pytest.fixture
def make_dataset(tmp_path: Path) -> DatasetFactory:
    """Write DIR/<label>/<clip>.wav (optionally with a manifest giving two clips per group)."""

    def make(
        *,
        name: str = "data",
        labels: tuple[str, ...] = TINY_LABELS,
        clips: int = 8,
        seconds: float = 2.0,
        manifest: bool = True,
        seed: int = 0,
    ) -> Path:
        rng = np.random.default_rng(seed)
        root = tmp_path / name
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

    return make
