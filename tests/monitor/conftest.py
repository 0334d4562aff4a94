"""Monitor test settings: loopback servers need sockets, which the HA plugin blocks by default."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _monitor_sockets(socket_enabled: None) -> None:
    """Every monitor test may open loopback sockets (aiohttp servers, subprocess pipes)."""
