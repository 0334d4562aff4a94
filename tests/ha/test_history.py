"""A quiet, readable history: the Sound sensor follows only lasting sounds, in words, and the cry
event changes only when a cry starts or ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.babblefish.api import BabblefishClient
from custom_components.babblefish.labels import sound_state, sound_states
from custom_components.babblefish.sound import SOUND_MAJORITY_S, SOUND_WINDOW_S

from .conftest import wait_connected, wait_state, wait_until
from .fake_monitor import FakeMonitor, load_fixture

SOUND = "sensor.nursery_sound"
CRY_EVENT = "event.nursery_cry"
CRYING = "binary_sensor.nursery_crying"


@pytest.fixture
async def without_push(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> AsyncIterator[MockConfigEntry]:
    """Set up from the monitor's HTTP snapshot with the WebSocket listener idle: the tests below
    move Home Assistant's frozen clock on and hand windows to the coordinator themselves, and a
    live socket's own timers (heartbeats, the wait for a silent monitor) would fire with it."""

    async def idle(*_: object, **__: object) -> None:
        await asyncio.Event().wait()

    with patch.object(BabblefishClient, "listen", idle):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        yield mock_config_entry


def _changes(hass: HomeAssistant, entity_id: str) -> list[str]:
    """The states `entity_id` takes from now on, one per state_changed event."""
    seen: list[str] = []

    @callback
    def record(event: Event[Any]) -> None:
        if event.data["entity_id"] == entity_id and event.data["new_state"] is not None:
            seen.append(event.data["new_state"].state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return seen


async def _hear(hass: HomeAssistant, entry: MockConfigEntry, label: str) -> None:
    """The monitor's next window is `label`: handed to the coordinator as a push would be (no
    socket, so Home Assistant's frozen clock cannot stall a wait for it)."""
    coordinator = entry.runtime_data
    state = replace(coordinator.data.state, sound_class=label, scores={label: 0.8})
    coordinator.async_set_updated_data(replace(coordinator.data, state=state))
    await hass.async_block_till_done()


async def _later(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let Home Assistant's clock move on by `seconds` (its timers fire)."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


async def test_flickering_classes_write_nothing(
    hass: HomeAssistant, without_push: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Two windows a second flipping between sounds for a minute leave the Sound state alone."""
    changes = _changes(hass, SOUND)
    for second in range(60):
        await _hear(hass, without_push, "talking" if second % 2 else "animal")
        await _later(hass, freezer, 1)
    assert hass.states.get(SOUND).state == "quiet"
    assert changes == []


async def test_a_lasting_sound_is_followed_once(
    hass: HomeAssistant, without_push: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """A sound heard for more than half the window becomes the state, with one change, not sooner."""
    changes = _changes(hass, SOUND)
    await _hear(hass, without_push, "talking")
    await _later(hass, freezer, SOUND_MAJORITY_S - 1)
    await _hear(hass, without_push, "talking")
    assert hass.states.get(SOUND).state == "quiet"
    await _later(hass, freezer, 1.5)
    assert hass.states.get(SOUND).state == "talking"
    await _hear(hass, without_push, "talking")
    assert changes == ["talking"]


async def test_a_sound_through_flicker_is_followed(
    hass: HomeAssistant, without_push: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Talking with every fourth window heard as something else still wins the minute: the
    sensor follows the majority, not an unbroken run."""
    changes = _changes(hass, SOUND)
    for second in range(int(SOUND_WINDOW_S)):
        await _hear(hass, without_push, "other" if second % 4 == 3 else "talking")
        await _later(hass, freezer, 1)
    assert changes == ["talking"]


async def test_the_shown_sound_stays_until_another_has_the_majority(
    hass: HomeAssistant, without_push: MockConfigEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Hysteresis: once white noise is shown, quiet and talking taking turns change nothing."""
    changes = _changes(hass, SOUND)
    await _hear(hass, without_push, "white_noise")
    await _later(hass, freezer, SOUND_WINDOW_S)
    for second in range(2 * int(SOUND_WINDOW_S)):
        await _hear(hass, without_push, "quiet" if second % 2 else "talking")
        await _later(hass, freezer, 1)
    assert changes == ["white_noise"]


async def test_a_short_cry_leaves_the_sound_alone(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A cry episode turns Crying on at once; Sound, the room's lasting sound, stays as it was
    (the logbook gets one line for the cry, not two)."""
    changes = _changes(hass, SOUND)
    await monitor.push_state(load_fixture("state_crying.json"))
    await wait_state(hass, CRYING, "on")
    assert hass.states.get(SOUND).state == "quiet"
    assert changes == []


async def test_custom_model_labels_read_as_words(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A label without a translation shows spelled out; a translated one keeps its key."""
    monitor.info["model"]["labels"] = ["crying", "dog_bark", "quiet"]
    monitor.state["sound_class"], monitor.state["scores"] = "dog_bark", {"dog_bark": 0.9}
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await wait_connected(hass, monitor)
    sound = hass.states.get(SOUND)
    assert sound.attributes["options"] == ["crying", "Dog bark", "quiet"]
    assert sound.state == "Dog bark"


@pytest.mark.parametrize(
    ("label", "state"),
    [
        ("white_noise", "white_noise"),
        ("dog_bark", "Dog bark"),
        ("baby-babble", "Baby babble"),
        ("Hairdryer", "Hairdryer"),
        ("_", "_"),
    ],
)
def test_sound_state(label: str, state: str) -> None:
    """Translated labels stay keys; others become words; nothing becomes empty."""
    assert sound_state(label) == state


def test_sound_states_never_collide() -> None:
    """Two labels that would spell the same keep distinct states."""
    states = sound_states(("dog_bark", "dog-bark"))
    assert states == {"dog_bark": "Dog bark", "dog-bark": "dog-bark"}


async def test_no_cry_event_from_a_lost_connection(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A drop and a reconnect change nothing on the event entity; the logbook, which shows every
    change of its state as "an event", stays silent. Real cries still change it."""
    await monitor.push(load_fixture("event_cry_started.json"))
    await wait_until(lambda: hass.states.get(CRY_EVENT).attributes.get("event_type"))
    changes = _changes(hass, CRY_EVENT)
    await monitor.drop()
    await wait_state(hass, CRYING, STATE_UNAVAILABLE)
    await monitor.start()
    await wait_connected(hass, monitor)
    await wait_state(hass, CRYING, "off")
    assert changes == []
    await monitor.push(load_fixture("event_cry_ended.json"))
    await wait_until(lambda: changes)
    assert hass.states.get(CRY_EVENT).attributes["event_type"] == "cry_ended"
