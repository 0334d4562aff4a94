"""Switch: detection on or paused (for example while the parents are in the nursery)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import BabblefishError
from .const import CAPABILITY_PAUSE, DOMAIN
from .coordinator import BabblefishConfigEntry, BabblefishCoordinator
from .entity import BabblefishEntity

PARALLEL_UPDATES = 1

DETECTION = SwitchEntityDescription(key="detection", translation_key="detection")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BabblefishConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the detection switch when the monitor can pause."""
    if CAPABILITY_PAUSE in entry.runtime_data.data.info.capabilities:
        async_add_entities([BabblefishDetectionSwitch(entry.runtime_data)])


class BabblefishDetectionSwitch(BabblefishEntity, SwitchEntity):
    """On while the monitor listens for crying; off pauses detection."""

    entity_description = DETECTION

    def __init__(self, coordinator: BabblefishCoordinator) -> None:
        """Attach to the monitor."""
        super().__init__(coordinator, DETECTION.key)

    @property
    def is_on(self) -> bool:
        """Whether detection runs."""
        return not self.coordinator.data.state.paused

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Resume detection; the monitor pushes the new state."""
        try:
            await self.coordinator.client.resume()
        except BabblefishError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={"error": str(err)},
            ) from err

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause detection; the monitor pushes the new state."""
        try:
            await self.coordinator.client.pause()
        except BabblefishError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={"error": str(err)},
            ) from err
