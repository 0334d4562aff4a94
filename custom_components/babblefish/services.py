"""The `babblefish.label_episode` action: tell a monitor whether a cry episode was really crying."""

from __future__ import annotations

from typing import Final

import voluptuous as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .api import BabblefishError, BabblefishRequestError
from .const import DOMAIN
from .coordinator import BabblefishConfigEntry
from .entity import command_failed
from .protocol import VERDICTS

SERVICE_LABEL_EPISODE: Final = "label_episode"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_EPISODE_ID: Final = "episode_id"
ATTR_LABEL: Final = "label"
ATTR_WHAT: Final = "what"
ATTR_NOTE: Final = "note"

LABEL_EPISODE_SCHEMA: Final = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_EPISODE_ID): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Required(ATTR_LABEL): vol.In(VERDICTS),
        vol.Optional(ATTR_WHAT): vol.Any(None, cv.string),
        vol.Optional(ATTR_NOTE): vol.Any(None, cv.string),
    }
)


def _monitor(hass: HomeAssistant, entry_id: str | None) -> BabblefishConfigEntry:
    """The loaded monitor the call names, or the only one there is."""
    loaded: list[BabblefishConfigEntry] = [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is ConfigEntryState.LOADED
    ]
    if entry_id is not None:
        for entry in loaded:
            if entry.entry_id == entry_id:
                return entry
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="monitor_not_loaded",
            translation_placeholders={"entry_id": entry_id},
        )
    if len(loaded) != 1:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="choose_monitor",
            translation_placeholders={"count": str(len(loaded))},
        )
    return loaded[0]


async def _async_label_episode(call: ServiceCall) -> ServiceResponse:
    """Send the verdict; the monitor's refusal becomes a message the user can act on."""
    entry = _monitor(call.hass, call.data.get(ATTR_CONFIG_ENTRY_ID))
    episode_id: int = call.data[ATTR_EPISODE_ID]
    try:
        message = await entry.runtime_data.client.label_episode(
            episode_id, call.data[ATTR_LABEL], call.data.get(ATTR_WHAT), call.data.get(ATTR_NOTE)
        )
    except BabblefishRequestError as err:
        placeholders = {"name": entry.title, "episode_id": str(episode_id), "error": str(err)}
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_episode" if err.status == 404 else "label_refused",
            translation_placeholders=placeholders,
        ) from err
    except BabblefishError as err:
        raise command_failed(err) from err
    return {"message": message}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions (once, for every monitor)."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_LABEL_EPISODE,
        _async_label_episode,
        schema=LABEL_EPISODE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
