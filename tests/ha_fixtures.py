"""Fixtures every suite that runs the integration in a real Home Assistant needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/babblefish."""


@pytest.fixture(autouse=True)
def config_dir_in_tmp(hass: HomeAssistant, tmp_path: Path) -> None:
    """Files the integration writes (blueprints) land in a per-test config directory."""
    hass.config.config_dir = str(tmp_path)
