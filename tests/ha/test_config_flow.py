"""Every config-flow path, against a real protocol-v1 server on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import DOMAIN

from .conftest import settle
from .fake_monitor import FakeMonitor
from .flow_inputs import (
    DEVICE_ID,
    closed_port,
    entry_data,
    form_input,
)


async def test_user_flow(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """Host, port and token create an entry named after the monitor, unique by device id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(monitor, host=f" {monitor.host} ")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nursery"
    assert result["data"] == entry_data(monitor)
    assert result["result"].unique_id == DEVICE_ID


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({CONF_TOKEN: "wrong"}, "invalid_auth"),
        ({CONF_PORT: None}, "cannot_connect"),
        ({"protocol_version": 2}, "protocol_mismatch"),
        ({"malformed": True}, "protocol_mismatch"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, monitor: FakeMonitor, change: dict[str, Any], error: str
) -> None:
    """Each failure shows its error on the form, and fixing it finishes the flow."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    user_input = form_input(monitor)
    if CONF_TOKEN in change:
        user_input[CONF_TOKEN] = change[CONF_TOKEN]
    if CONF_PORT in change:
        user_input[CONF_PORT] = closed_port()
    if "protocol_version" in change:
        monitor.info["protocol_version"] = change["protocol_version"]
    if "malformed" in change:
        del monitor.info["device_id"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    monitor.info["protocol_version"] = 1
    monitor.info["device_id"] = DEVICE_ID
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form_input(monitor))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_non_json_answer(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """A server that is not a monitor (HTTP error) is reported as unreachable."""
    monitor.http_status = 500
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=form_input(monitor)
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_user_flow_unknown_error(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """An unexpected client error maps to `unknown`."""
    from unittest.mock import patch

    from custom_components.babblefish.api import BabblefishError

    with patch(
        "custom_components.babblefish.config_flow.BabblefishClient.info",
        side_effect=BabblefishError("boom"),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}, data=form_input(monitor)
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_already_configured_updates_address(
    hass: HomeAssistant, monitor: FakeMonitor
) -> None:
    """Adding the same monitor again aborts and refreshes the stored address and token."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEVICE_ID,
        data={CONF_HOST: "10.0.0.9", CONF_PORT: 1, CONF_TOKEN: "old"},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=form_input(monitor)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == monitor.host
    assert entry.data[CONF_TOKEN] == monitor.token
    await settle(hass)


async def test_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A new token is checked (a wrong one shows an error) and stored."""
    entry = init_integration
    monitor.token = "new-token"
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_TOKEN: "bad"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "new-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == "new-token"
    await settle(hass)


async def test_reconfigure(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Host, port and token can change for the same monitor; errors are shown on the form."""
    entry = init_integration
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(monitor, port=closed_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}
    monitor.token = "rotated"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(monitor, host=f"{monitor.host} ")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {CONF_HOST: monitor.host, CONF_PORT: monitor.port, CONF_TOKEN: "rotated"}
    await settle(hass)


@pytest.mark.parametrize("flow", ["reauth", "reconfigure"])
async def test_reauth_or_reconfigure_to_another_device_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor, flow: str
) -> None:
    """A new token, or a new address, that reaches a different monitor is refused."""
    if flow == "reauth":
        result = await init_integration.start_reauth_flow(hass)
        user_input: dict[str, Any] = {CONF_TOKEN: monitor.token}
    else:
        result = await init_integration.start_reconfigure_flow(hass)
        user_input = form_input(monitor)
    monitor.info["device_id"] = "another"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
