"""Setup and unload, and what a failing monitor does to setup."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import DOMAIN

from .fake_monitor import FakeMonitor


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The entry loads, connects its WebSocket, and unloads cleanly (the socket closes)."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.client.connected
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A monitor that is down makes setup retry later."""
    await monitor.drop()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_rejected_token_starts_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A 401 at setup asks the user for the new token."""
    monitor.token = "rotated"
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_setup_protocol_mismatch_raises_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A monitor speaking protocol 2 fails setup with a repair issue; fixing it clears the issue."""
    monitor.info["protocol_version"] = 2
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    issue = issue_registry.async_get_issue(
        DOMAIN, f"protocol_mismatch_{mock_config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Nursery", "remote": "2", "local": "1"}

    monitor.info["protocol_version"] = 1
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert not issue_registry.async_get_issue(
        DOMAIN, f"protocol_mismatch_{mock_config_entry.entry_id}"
    )


async def test_model_error_raises_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A model the monitor could not load becomes a repair issue; removing the entry clears it."""
    monitor.info["model"]["error"] = "model.tflite: input shape (1, 49, 40) != (1, 98, 40)"
    monitor.info["model"]["labels"] = []
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"model_error_{mock_config_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert "input shape" in issue.translation_placeholders["error"]
    # No labels: no sound entity, but crying and the rest still exist.
    assert hass.states.get("sensor.nursery_sound") is None
    assert hass.states.get("binary_sensor.nursery_crying") is not None

    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
