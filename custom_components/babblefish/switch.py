"""Switch: detection on or paused (for example while the parents are in the nursery)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import BabblefishConfigEntry
from .entity import BabblefishEntity, async_send_command
from .protocol import CAPABILITY_PAUSE

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

    @property
    def is_on(self) -> bool:
        """Whether detection runs."""
        return not self.coordinator.data.state.paused

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Resume detection; the monitor pushes the new state."""
        await async_send_command(self.coordinator.client.resume())

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Pause detection; the monitor pushes the new state."""
        await async_send_command(self.coordinator.client.pause())
