"""Shared test settings: where the real data lives, and the Home Assistant test plugin's fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BABBLEFISH_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The labelled recordings in ../shared/data (or $BABBLEFISH_DATA); skips when absent."""
    if not (DATA_DIR / "dev" / "manifest.csv").is_file():
        pytest.skip(f"real data not found at {DATA_DIR} (set BABBLEFISH_DATA to its folder)")
    return DATA_DIR
