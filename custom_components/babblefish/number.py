"""Number: detection sensitivity, 0-100 % (50 % is the monitor's tuned default)."""

from __future__ import annotations

from homeassistant.components.number import NumberEntity, NumberEntityDescription, NumberMode
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_SENSITIVITY
from .coordinator import BabblefishConfigEntry
from .entity import BabblefishEntity, async_send_command
from .protocol import CAPABILITY_SENSITIVITY

PARALLEL_UPDATES = 1

SENSITIVITY = NumberEntityDescription(
    key="sensitivity",
    translation_key="sensitivity",
    entity_category=EntityCategory.CONFIG,
    native_min_value=0,
    native_max_value=100,
    native_step=5,
    native_unit_of_measurement=PERCENTAGE,
    mode=NumberMode.SLIDER,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BabblefishConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensitivity control when the monitor supports it."""
    if CAPABILITY_SENSITIVITY in entry.runtime_data.data.info.capabilities:
        async_add_entities([BabblefishSensitivity(entry.runtime_data)])


async def async_apply_sensitivity(
    hass: HomeAssistant, entry: BabblefishConfigEntry, value: float
) -> None:
    """Send a sensitivity (0.0-1.0) to the monitor and remember it for monitor restarts."""
    await async_send_command(entry.runtime_data.client.set_sensitivity(value))
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_SENSITIVITY: value}
    )


class BabblefishSensitivity(BabblefishEntity, NumberEntity):
    """How readily the monitor calls a sound crying."""

    entity_description = SENSITIVITY

    @property
    def native_value(self) -> float | None:
        """The monitor's sensitivity in percent."""
        value = self.coordinator.data.state.sensitivity
        return None if value is None else round(value * 100, 1)

    async def async_set_native_value(self, value: float) -> None:
        """Apply a new sensitivity; the monitor pushes the new state."""
        await async_apply_sensitivity(self.hass, self.coordinator.config_entry, value / 100)
