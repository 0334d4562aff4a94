"""Connection life: drop -> unavailable (logged once) -> reconnect restores, and what hello changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.babblefish.api import BabblefishClient
from custom_components.babblefish.const import CONF_SENSITIVITY, DOMAIN

from .conftest import flow_sources, settle, wait_connected, wait_issue, wait_state, wait_until
from .fake_monitor import FakeMonitor, load_fixture

CRYING = "binary_sensor.nursery_crying"


async def _go_away(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """The monitor stops; wait until Home Assistant shows it unavailable."""
    await monitor.drop()
    await wait_state(hass, CRYING, STATE_UNAVAILABLE)


@pytest.fixture
def unreachable(
    init_integration: MockConfigEntry, issue_registry: ir.IssueRegistry
) -> Callable[[], ir.IssueEntry | None]:
    """The loaded entry's 'monitor unreachable' repair issue, looked up afresh at each call."""
    issue_id = f"unreachable_{init_integration.entry_id}"
    return lambda: issue_registry.async_get_issue(DOMAIN, issue_id)


async def _later(hass: HomeAssistant, **delta: float) -> None:
    """Let `delta` of Home Assistant time pass (timers fire)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(**delta))
    await hass.async_block_till_done()


async def test_drop_unavailable_reconnect(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A monitor that goes away makes every entity unavailable; its return restores them."""
    assert hass.states.get(CRYING).state == STATE_OFF
    connect = BabblefishClient._connect
    with patch.object(BabblefishClient, "_connect", autospec=True, side_effect=connect) as tries:
        await _go_away(hass, monitor)
        assert hass.states.get("sensor.nursery_cry_minutes_today").state == STATE_UNAVAILABLE
        # Several reconnect attempts fail while it is away, but the loss is logged once.
        await wait_until(lambda: tries.call_count >= 3)
    assert caplog.text.count("Lost connection to Babblefish monitor Nursery") == 1

    monitor.state = load_fixture("state_crying.json")
    await monitor.start()
    await wait_connected(hass, monitor)
    await wait_state(hass, CRYING, STATE_ON)
    assert hass.states.get("sensor.nursery_cry_minutes_today").state == "5.51"
    assert caplog.text.count("Reconnected to Babblefish monitor Nursery") == 1

    # And it keeps receiving pushes on the new connection.
    await monitor.push_state(load_fixture("state.json"))
    await wait_state(hass, CRYING, STATE_OFF)


async def test_long_outage_raises_repair_issue(
    hass: HomeAssistant, monitor: FakeMonitor, unreachable: Callable[[], ir.IssueEntry | None]
) -> None:
    """After 30 minutes away the monitor gets a repair issue, which clears when it is back."""
    await _go_away(hass, monitor)
    await _later(hass, minutes=10)
    assert unreachable() is None
    await _later(hass, minutes=31)
    issue = unreachable()
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Nursery", "minutes": "30"}

    await monitor.start()
    await wait_connected(hass, monitor)
    await wait_state(hass, CRYING, STATE_OFF)
    assert unreachable() is None


async def test_short_outage_raises_no_issue(
    hass: HomeAssistant, monitor: FakeMonitor, unreachable: Callable[[], ir.IssueEntry | None]
) -> None:
    """A blip shorter than the grace period leaves no repair issue behind, even later."""
    await _go_away(hass, monitor)
    await monitor.start()
    await wait_connected(hass, monitor)
    await wait_state(hass, CRYING, STATE_OFF)
    await _later(hass, hours=1)
    assert unreachable() is None


async def test_token_rotated_while_connected_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """If the reconnect is refused with 401, entities go unavailable and reauth starts."""
    monitor.token = "rotated"
    await monitor.drop()
    await monitor.start()
    await wait_state(hass, CRYING, STATE_UNAVAILABLE)
    await settle(hass)
    assert flow_sources(hass) == [SOURCE_REAUTH]


async def test_protocol_change_on_reconnect_raises_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A monitor upgraded to another protocol stops the listener with a repair issue."""
    monitor.info["protocol_version"] = 2
    await monitor.drop()
    await monitor.start()
    await wait_state(hass, CRYING, STATE_UNAVAILABLE)
    await wait_until(
        lambda: issue_registry.async_get_issue(
            DOMAIN, f"protocol_mismatch_{init_integration.entry_id}"
        )
    )


async def test_new_model_reloads_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A monitor that comes back with other labels gets a fresh set of entities."""
    monitor.info["model"]["labels"] = ["crying", "quiet", "hen"]
    await monitor.drop()
    await monitor.start()
    await wait_until(
        lambda: (
            init_integration.state is ConfigEntryState.LOADED
            and (state := hass.states.get("sensor.nursery_sound")) is not None
            and "Hen" in state.attributes.get("options", [])
        )
    )
    # The reload finishes its setup (blueprint install in the executor) before the test ends.
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED


async def test_model_error_appears_on_reconnect(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The hello's model error raises the issue without a reload when labels stay the same."""
    monitor.info["model"]["error"] = "model.tflite is corrupt"
    await monitor.drop()
    await monitor.start()
    await wait_until(
        lambda: issue_registry.async_get_issue(DOMAIN, f"model_error_{init_integration.entry_id}")
    )


async def test_sensitivity_restored_after_monitor_restart(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The sensitivity chosen in Home Assistant is re-applied when the monitor forgot it."""
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_SENSITIVITY: 0.8})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await wait_connected(hass, monitor)
    await wait_until(lambda: monitor.commands)
    assert monitor.commands[0]["type"] == "set_sensitivity"
    assert monitor.commands[0]["value"] == 0.8
    await settle(hass)
    assert hass.states.get("number.nursery_sensitivity").state == "80.0"


async def test_sensitivity_restore_failure_is_logged(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A monitor that refuses the remembered sensitivity only logs a warning."""
    monitor.command_error = "no"
    mock_config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_config_entry, options={CONF_SENSITIVITY: 0.8})
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await wait_connected(hass, monitor)
    await wait_until(lambda: "Could not restore sensitivity" in caplog.text)


async def test_listener_bug_makes_entities_unavailable(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug while handling a message never leaves stale entities looking live."""

    with patch("custom_components.babblefish.api.State.read", side_effect=RuntimeError("bug")):
        await monitor.push_state(load_fixture("state_crying.json"))
        await wait_state(hass, CRYING, STATE_UNAVAILABLE)
    assert "Listener for Nursery stopped unexpectedly" in caplog.text


async def test_model_failing_at_run_time_raises_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A model error reported in the pushed state raises the issue; recovery clears it."""
    issue_id = f"model_error_{init_integration.entry_id}"
    state = load_fixture("state.json")
    state["model_status"] = {"status": "error", "error": "interpreter crashed"}
    await monitor.push_state(state)
    issue = await wait_issue(issue_registry, issue_id)
    assert issue.translation_placeholders == {"name": "Nursery", "error": "interpreter crashed"}
    await monitor.push_state(load_fixture("state.json"))
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)


async def test_unload_clears_unreachable_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    unreachable: Callable[[], ir.IssueEntry | None],
) -> None:
    """Disabling an entry whose monitor is gone removes the 'unreachable' repair."""
    await _go_away(hass, monitor)
    await _later(hass, minutes=31)
    assert unreachable() is not None
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert unreachable() is None
