"""Diagnostics: the entry (token redacted), the monitor's info, state and adaptation, connection health."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .api import BabblefishError
from .coordinator import BabblefishConfigEntry

TO_REDACT = {CONF_TOKEN}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: BabblefishConfigEntry
) -> dict[str, Any]:
    """What support needs to see, without the token."""
    coordinator = entry.runtime_data
    info = asdict(coordinator.data.info)
    info["capabilities"] = sorted(info["capabilities"])
    # Asked for now, not pushed: what the labels taught the monitor, and why it is or is not
    # applied. A monitor that cannot answer still leaves the rest of the download useful.
    try:
        adaptation: dict[str, Any] = asdict(await coordinator.client.adaptation())
    except BabblefishError as err:
        adaptation = {"error": str(err)}
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "connection": {
            "connected": coordinator.client.connected,
            "last_update_success": coordinator.last_update_success,
            "last_exception": (
                repr(coordinator.last_exception) if coordinator.last_exception else None
            ),
        },
        "info": info,
        "state": asdict(coordinator.data.state),
        "adaptation": adaptation,
    }
