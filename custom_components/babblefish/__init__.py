"""The Babblefish integration: a baby monitor that pushes crying to Home Assistant."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from . import issues
from .api import BabblefishClient
from .blueprint_install import async_install_blueprints
from .const import DOMAIN
from .coordinator import BabblefishConfigEntry, BabblefishCoordinator
from .notify_actions import async_listen_for_not_crying
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once, so they exist (and explain themselves) even with no monitor loaded;
    listen for the notify blueprint's "Not crying" taps."""
    async_setup_services(hass)
    async_listen_for_not_crying(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: BabblefishConfigEntry) -> bool:
    """Take a snapshot over HTTP, set up the entities, then let the WebSocket push changes."""
    client = BabblefishClient(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_TOKEN],
        session=async_get_clientsession(hass),
    )
    coordinator = BabblefishCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    coordinator.async_start_listening()
    await async_install_blueprints(hass)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: BabblefishConfigEntry) -> bool:
    """Unload the entities; the listener task ends with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: BabblefishConfigEntry) -> None:
    """Clear this monitor's repair issues."""
    issues.async_delete_all_issues(hass, entry)
