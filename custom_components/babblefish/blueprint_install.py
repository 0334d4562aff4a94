"""Copies the bundled automation blueprints into the config directory, never over a user's copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER

BUNDLED = Path(__file__).parent / "blueprints"


def _copy_missing(destination: Path) -> list[str]:
    destination.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted(BUNDLED.glob("*.yaml")):
        target = destination / source.name
        if not target.exists():
            shutil.copyfile(source, target)
            copied.append(source.name)
    return copied


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Make "Notify when the baby cries" and "Light on when the baby cries" appear in Blueprints."""
    destination = Path(hass.config.path("blueprints", "automation", DOMAIN))
    try:
        copied = await hass.async_add_executor_job(_copy_missing, destination)
    except OSError as err:
        LOGGER.warning("Could not install the Babblefish blueprints in %s: %s", destination, err)
        return
    if copied:
        LOGGER.info("Installed Babblefish blueprints: %s", ", ".join(copied))
