"""Binary sensor: is the baby crying right now."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import BabblefishConfigEntry
from .entity import BabblefishEntity

PARALLEL_UPDATES = 0

CRYING = BinarySensorEntityDescription(
    key="crying", translation_key="crying", device_class=BinarySensorDeviceClass.SOUND
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BabblefishConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the crying sensor."""
    async_add_entities([BabblefishCryingSensor(entry.runtime_data)])


class BabblefishCryingSensor(BabblefishEntity, BinarySensorEntity):
    """On while the monitor is in a crying episode."""

    entity_description = CRYING

    @property
    def is_on(self) -> bool:
        """Whether the baby is crying."""
        return self.coordinator.data.state.crying
