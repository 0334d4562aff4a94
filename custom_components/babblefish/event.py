"""Event entity: fires `cry_started` and `cry_ended` with the episode id, peak confidence and duration."""

from __future__ import annotations

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import BabblefishConfigEntry
from .entity import BabblefishEntity
from .models import CryEvent
from .protocol import EVENT_NAMES

PARALLEL_UPDATES = 0

CRY = EventEntityDescription(key="cry", translation_key="cry", event_types=list(EVENT_NAMES))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: BabblefishConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the cry event entity."""
    async_add_entities([BabblefishCryEvent(entry.runtime_data)])


class BabblefishCryEvent(BabblefishEntity, EventEntity):
    """Each cry episode's start and end, as the monitor announces them."""

    entity_description = CRY

    @property
    def available(self) -> bool:
        """Always: the last cry stays the last cry while the monitor is away, and the return of
        a lost connection is no event (the logbook reads any change of this state as one)."""
        return True

    async def async_added_to_hass(self) -> None:
        """Subscribe to the monitor's cry events."""
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_event_listener(self._handle_cry_event))

    @callback
    def _handle_cry_event(self, event: CryEvent) -> None:
        self._trigger_event(
            event.event,
            {
                # What babblefish.label_episode takes, so an automation can label this cry.
                "episode_id": event.episode_id,
                "peak_confidence": round(event.peak_score, 3),
                "duration": round(event.duration_s, 1),
                "start": event.start.isoformat(),
                "end": event.end.isoformat() if event.end else None,
            },
        )
        self.async_write_ha_state()
