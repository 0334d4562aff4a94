"""Monitor test settings: loopback servers need sockets, which the HA plugin blocks by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _monitor_sockets(socket_enabled: None) -> None:
    """Every monitor test may open loopback sockets (aiohttp servers, subprocess pipes)."""


@pytest.fixture
def ffmpeg() -> str:
    """ffmpeg's path. A test that needs it fails without it: `.ci/run` installs it from Debian."""
    path = shutil.which("ffmpeg")
    if path is None:
        pytest.fail("ffmpeg is not installed: apt-get install ffmpeg (as .ci/run does)")
    return path


@pytest.fixture(scope="session")
def tone_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny deterministic int8 model (see tone_model.py): a tone in one mel band is 'crying'."""
    from tone_model import build

    return build(tmp_path_factory.mktemp("tone-model"))
