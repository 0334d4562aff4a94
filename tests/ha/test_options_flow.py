"""The options flow: the sensitivity set on the monitor at once, offered only where it can be."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import CONF_SENSITIVITY

from .conftest import wait_state
from .fake_monitor import FakeMonitor


async def test_options_flow_sets_sensitivity(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The chosen sensitivity goes to the monitor at once and is remembered."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SENSITIVITY: 70}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options[CONF_SENSITIVITY] == pytest.approx(0.7)
    assert monitor.commands[-1]["type"] == "set_sensitivity"
    assert monitor.commands[-1]["value"] == pytest.approx(0.7)


async def test_options_flow_command_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A monitor that refuses the value leaves the form open with an error."""
    monitor.command_error = "nope"
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SENSITIVITY: 70}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_options_flow_not_offered_without_capability(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A monitor without the sensitivity capability has no options."""
    monitor.info["capabilities"] = ["pause"]
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "sensitivity_not_supported"


async def test_options_flow_default_when_monitor_has_no_sensitivity(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The form falls back to the remembered (or the model's default) sensitivity."""
    state = dict(monitor.state, sensitivity=None)
    await monitor.push_state(state)
    await wait_state(hass, "number.nursery_sensitivity", "unknown")
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    schema = result["data_schema"].schema
    default = next(key.default() for key in schema if key == CONF_SENSITIVITY)
    assert default == 50
