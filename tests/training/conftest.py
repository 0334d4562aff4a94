"""Fixtures for the training tests: tiny synthetic folder-per-label datasets written as real audio files."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_toy_audio import TINY_LABELS, DatasetFactory, write_dataset


@pytest.fixture
def make_dataset(tmp_path: Path) -> DatasetFactory:
    """A factory writing tiny datasets under this test's tmp_path (see write_dataset)."""

    def make(
        *,
        name: str = "data",
        labels: tuple[str, ...] = TINY_LABELS,
        clips: int = 8,
        seconds: float = 2.0,
        manifest: bool = True,
        seed: int = 0,
    ) -> Path:
        return write_dataset(
            tmp_path / name, labels=labels, clips=clips, seconds=seconds, manifest=manifest,
            seed=seed,
        )  # fmt: skip

    return make
