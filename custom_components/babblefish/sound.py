"""The Sound sensor: what the room sounds like, changing only when a new sound lasts."""

from __future__ import annotations

from typing import Final

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later

from .coordinator import BabblefishCoordinator, BabblefishData
from .entity import BabblefishEntity
from .labels import sound_states

# The classifier decides twice a second and flips between neighbours (talking, other, quiet);
# shown as is, that is thousands of recorder rows and logbook lines an hour. A sound must hold
# this long before the sensor follows it. Crying is shown at once: the monitor's episode detector
# has already decided it, and the Crying sensor changes at the same moment.
SOUND_HOLD_S: Final = 10.0


def current_label(data: BabblefishData) -> str | None:
    """The class the monitor hears now, if it is one of the model's labels."""
    label = data.state.sound_class
    return label if label in data.info.model.labels else None


class BabblefishSoundSensor(BabblefishEntity, SensorEntity):
    """The sustained sound class; its options are the model's labels as states."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_translation_key = "sound"

    def __init__(self, coordinator: BabblefishCoordinator) -> None:
        """Start from what the monitor hears now."""
        super().__init__(coordinator, "sound")
        self._states = sound_states(coordinator.data.info.model.labels)
        self._attr_options = list(self._states.values())
        self._shown = current_label(coordinator.data)
        self._pending: str | None = None
        self._cancel_hold: CALLBACK_TYPE | None = None

    @property
    def native_value(self) -> str | None:
        """The sound that has lasted, as its state."""
        return None if self._shown is None else self._states[self._shown]

    @callback
    def _handle_coordinator_update(self) -> None:
        """Follow a new sound once it has held for SOUND_HOLD_S (crying at once)."""
        heard = current_label(self.coordinator.data)
        if heard == self._shown:
            self._stop_hold()
        elif (
            self.coordinator.data.state.crying
            and heard == self.coordinator.data.info.model.cry_label
        ):
            self._stop_hold()
            self._shown = heard
        elif heard != self._pending or self._cancel_hold is None:
            self._stop_hold()
            self._pending = heard
            self._cancel_hold = async_call_later(self.hass, SOUND_HOLD_S, self._follow)
        super()._handle_coordinator_update()

    @callback
    def _follow(self, _now: object) -> None:
        self._cancel_hold = None
        self._shown = self._pending
        self.async_write_ha_state()

    @callback
    def _stop_hold(self) -> None:
        if self._cancel_hold is not None:
            self._cancel_hold()
            self._cancel_hold = None
        self._pending = None

    async def async_will_remove_from_hass(self) -> None:
        """No timer outlives the entity."""
        self._stop_hold()
        await super().async_will_remove_from_hass()
