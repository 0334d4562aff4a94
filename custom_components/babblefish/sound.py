"""The Sound sensor: what the room has mostly sounded like over the last minute."""

from __future__ import annotations

from collections import deque
from typing import Final

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .coordinator import BabblefishCoordinator, BabblefishData
from .entity import BabblefishEntity
from .labels import sound_states

# The classifier decides twice a second and flips between neighbours (talking, other, quiet),
# and a nursery's sounds come and go in seconds; shown as heard, that is thousands of recorder
# rows and logbook lines an hour. The history a parent reads is the room's lasting sound: the
# white-noise machine all night, talking when someone came in. So the sensor shows the sound
# heard for more than half of the last minute, and keeps showing it until another one has
# (hysteresis: two sounds taking turns change nothing). Crying gets no shortcut: the Crying
# sensor and the Cry event already mark every episode to the second.
SOUND_WINDOW_S: Final = 60.0
SOUND_MAJORITY_S: Final = SOUND_WINDOW_S / 2


def current_label(data: BabblefishData) -> str | None:
    """The class the monitor hears now, if it is one of the model's labels."""
    label = data.state.sound_class
    return label if label in data.info.model.labels else None


class HeardWindow:
    """What was heard when, over the last SOUND_WINDOW_S seconds (times in seconds)."""

    def __init__(self, label: str | None, now: float) -> None:
        """Start hearing `label` at `now`; before that nothing is known."""
        self._changes: deque[tuple[float, str | None]] = deque([(now, label)])

    @property
    def heard(self) -> str | None:
        """The class heard last."""
        return self._changes[-1][1]

    def hear(self, label: str | None, now: float) -> None:
        """The monitor hears `label` from `now` on."""
        if label != self.heard:
            self._changes.append((now, label))

    def seconds(self, now: float) -> dict[str | None, float]:
        """How long each class was heard within the window that ends at `now`."""
        start = now - SOUND_WINDOW_S
        while len(self._changes) > 1 and self._changes[1][0] <= start:
            self._changes.popleft()
        ends = [at for at, _ in list(self._changes)[1:]] + [now]
        totals: dict[str | None, float] = {}
        for (at, label), end in zip(self._changes, ends, strict=True):
            totals[label] = totals.get(label, 0.0) + max(0.0, end - max(at, start))
        return totals


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
        self._window = HeardWindow(self._shown, dt_util.utcnow().timestamp())
        self._cancel_check: CALLBACK_TYPE | None = None

    @property
    def native_value(self) -> str | None:
        """The sound that has lasted, as its state."""
        return None if self._shown is None else self._states[self._shown]

    @callback
    def _handle_coordinator_update(self) -> None:
        """Note what is heard now; the state follows once a new sound has lasted."""
        self._window.hear(current_label(self.coordinator.data), dt_util.utcnow().timestamp())
        self._follow_majority()
        super()._handle_coordinator_update()

    @callback
    def _follow_majority(self) -> bool:
        """Show the sound that filled most of the window; check again when the one heard now could."""
        self._stop_check()
        totals = self._window.seconds(dt_util.utcnow().timestamp())
        heard = self._window.heard
        changed = False
        if heard != self._shown and totals.get(heard, 0.0) > SOUND_MAJORITY_S:
            # Only the sound heard now gains time, so only it can take the majority.
            self._shown, changed = heard, True
        elif heard != self._shown:
            # At the earliest when it has been heard for the rest of the majority.
            wait = max(1.0, SOUND_MAJORITY_S - totals.get(heard, 0.0) + 0.1)
            self._cancel_check = async_call_later(self.hass, wait, self._check)
        return changed

    @callback
    def _check(self, _now: object) -> None:
        self._cancel_check = None
        if self._follow_majority():
            self.async_write_ha_state()

    @callback
    def _stop_check(self) -> None:
        if self._cancel_check is not None:
            self._cancel_check()
            self._cancel_check = None

    async def async_will_remove_from_hass(self) -> None:
        """No timer outlives the entity."""
        self._stop_check()
        await super().async_will_remove_from_hass()
