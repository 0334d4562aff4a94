"""Label tests open loopback servers (the real monitor), which the HA plugin blocks by default."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _label_sockets(socket_enabled: None) -> None:
    """Every label test may open loopback sockets."""
