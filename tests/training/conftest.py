"""Fixtures for the training tests: tiny synthetic folder-per-label datasets written as real audio files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from train_toy_audio import DatasetFactory, write_dataset


@pytest.fixture
def make_dataset(tmp_path: Path) -> DatasetFactory:
    """A factory writing tiny datasets under this test's tmp_path (see write_dataset)."""

    def make(*, name: str = "data", **options: Any) -> Path:
        # Same keywords as write_dataset (labels, clips, seconds, manifest, seed).
        return write_dataset(tmp_path / name, **options)

    return make
