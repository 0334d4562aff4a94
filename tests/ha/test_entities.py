"""Entity states from the monitor's payloads, push updates, and the controls."""

from __future__ import annotations

import copy

import pytest
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.babblefish.const import CONF_SENSITIVITY

from .conftest import wait_connected, wait_state, wait_until
from .fake_monitor import FakeMonitor, load_fixture


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.EVENT, Platform.NUMBER, Platform.SENSOR, Platform.SWITCH],
)
async def test_entities_snapshot(  # noqa: PLR0917
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    platform: Platform,
) -> None:
    """Every entity, its registry entry and its state, from the fixture payloads."""
    from unittest.mock import patch

    with patch("custom_components.babblefish.PLATFORMS", [platform]):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await wait_connected(hass, monitor)
    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)


async def test_idle_state_values(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The idle fixture reads as the parents would expect."""
    assert hass.states.get("binary_sensor.nursery_crying").state == STATE_OFF
    assert hass.states.get("sensor.nursery_cry_minutes_today").state == "5.21"
    assert hass.states.get("sensor.nursery_cry_episodes_today").state == "3"
    assert hass.states.get("sensor.nursery_last_cry_duration").state == "95.0"
    assert hass.states.get("sensor.nursery_temperature").state == "21.4"
    assert hass.states.get("sensor.nursery_humidity").state == "48.0"
    assert hass.states.get("sensor.nursery_sound_level").state == "-61.2"
    sound = hass.states.get("sensor.nursery_sound")
    assert sound.state == "quiet"
    # No per-window attribute: it would write a recorder row every second.
    assert "confidence" not in sound.attributes
    assert hass.states.get("sensor.nursery_audio_source").state == "running"
    assert hass.states.get("sensor.nursery_model_version").state == "2026.11.0"
    assert hass.states.get("switch.nursery_detection").state == STATE_ON
    assert hass.states.get("number.nursery_sensitivity").state == "50.0"


async def test_push_crying(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A cry_started event and the state that follows update entities at once."""
    await monitor.push(load_fixture("event_cry_started.json"))
    await monitor.push_state(load_fixture("state_crying.json"))
    await wait_state(hass, "binary_sensor.nursery_crying", STATE_ON)
    assert hass.states.get("sensor.nursery_cry_minutes_today").state == "5.51"
    assert hass.states.get("sensor.nursery_cry_episodes_today").state == "4"
    event = hass.states.get("event.nursery_cry")
    assert event.attributes["event_type"] == "cry_started"
    assert event.attributes["episode_id"] == 4
    assert event.attributes["peak_confidence"] == 0.9
    assert event.attributes["end"] is None

    await monitor.push(load_fixture("event_cry_ended.json"))
    await wait_until(
        lambda: hass.states.get("event.nursery_cry").attributes["event_type"] == "cry_ended"
    )
    event = hass.states.get("event.nursery_cry")
    assert event.attributes["event_type"] == "cry_ended"
    assert event.attributes["duration"] == 97.5
    assert event.attributes["peak_confidence"] == 0.98
    assert event.attributes["end"] == "2026-11-20T09:32:40+00:00"


async def test_midnight_reset(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """At the monitor's midnight its day changes and today's totals drop to zero."""
    state = load_fixture("state.json")
    state.update(day="2026-11-21", cry_seconds_today=0.0, cry_minutes_today=0.0, episodes_today=0)
    await monitor.push_state(state)
    await wait_state(hass, "sensor.nursery_cry_minutes_today", "0.0")
    assert hass.states.get("sensor.nursery_cry_episodes_today").state == "0"
    # The last episode is yesterday's and stays visible.
    assert hass.states.get("sensor.nursery_last_cry_duration").state == "95.0"


async def test_unusual_values(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Paused, no climate reading, no audio yet, unknown source status."""
    state = copy.deepcopy(load_fixture("state.json"))
    state.update(paused=True, sound_class=None, scores={}, last_episode=None)
    state["climate"] = {"status": "unavailable", "temperature_c": None, "humidity_pct": None}
    state["sound_level"] = {"rms_dbfs": None, "peak_dbfs": None}
    state["source"]["status"] = "exploded"
    await monitor.push_state(state)
    await wait_state(hass, "switch.nursery_detection", STATE_OFF)
    assert hass.states.get("sensor.nursery_temperature").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.nursery_humidity").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.nursery_sound_level").state == "unknown"
    assert hass.states.get("sensor.nursery_last_cry_duration").state == "unknown"
    assert hass.states.get("sensor.nursery_last_cry").state == "unknown"
    assert hass.states.get("sensor.nursery_audio_source").state == "unknown"


async def test_unknown_label_reads_as_unknown(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A label the model does not list (a monitor newer than its info) reads as unknown, not as
    a state outside the enum's options."""
    monitor.state["sound_class"], monitor.state["scores"] = "hiccups", {"hiccups": 0.7}
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await wait_connected(hass, monitor)
    assert hass.states.get("binary_sensor.nursery_crying").state == STATE_OFF
    assert hass.states.get("sensor.nursery_sound").state == "unknown"


async def test_minimal_monitor_has_fewer_entities(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Without climate, sound level, pause and sensitivity, those entities are not created."""
    monitor.info["capabilities"] = []
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await wait_connected(hass, monitor)
    for entity_id in (
        "sensor.nursery_temperature",
        "sensor.nursery_humidity",
        "sensor.nursery_sound_level",
        "switch.nursery_detection",
        "number.nursery_sensitivity",
    ):
        assert hass.states.get(entity_id) is None
    assert hass.states.get("binary_sensor.nursery_crying") is not None


async def test_switch_pauses_and_resumes(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Turning detection off sends `pause`, on sends `resume`; the pushed state follows."""
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: "switch.nursery_detection"}, blocking=True
    )
    assert monitor.commands[-1]["type"] == "pause"
    await wait_state(hass, "switch.nursery_detection", STATE_OFF)
    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: "switch.nursery_detection"}, blocking=True
    )
    assert monitor.commands[-1]["type"] == "resume"
    await wait_state(hass, "switch.nursery_detection", STATE_ON)


@pytest.mark.parametrize("service", ["turn_on", "turn_off"])
async def test_switch_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor, service: str
) -> None:
    """A refused command surfaces as a translated error."""
    monitor.command_error = "busy"
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch", service, {ATTR_ENTITY_ID: "switch.nursery_detection"}, blocking=True
        )
    assert err.value.translation_key == "command_failed"


async def test_sensitivity_number(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Setting 75 % sends 0.75, is remembered in options, and is pushed back."""
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: "number.nursery_sensitivity", "value": 75},
        blocking=True,
    )
    assert monitor.commands[-1] == {"type": "set_sensitivity", "value": 0.75, "id": 1}
    assert init_integration.options[CONF_SENSITIVITY] == 0.75
    await wait_state(hass, "number.nursery_sensitivity", "75.0")


async def test_sensitivity_number_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A refused value raises and is not remembered."""
    monitor.command_error = "sensitivity must be between 0.0 and 1.0"
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: "number.nursery_sensitivity", "value": 75},
            blocking=True,
        )
    assert CONF_SENSITIVITY not in init_integration.options


async def test_sensitivity_unknown(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A monitor that reports no sensitivity shows unknown."""
    state = load_fixture("state.json")
    state["sensitivity"] = None
    await monitor.push_state(state)
    await wait_state(hass, "number.nursery_sensitivity", "unknown")
