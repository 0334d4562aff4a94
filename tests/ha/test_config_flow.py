"""Every config-flow path, against a real protocol-v1 server on loopback."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_HASSIO, SOURCE_USER, SOURCE_ZEROCONF
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import DOMAIN

from .conftest import settle
from .fake_monitor import FakeMonitor

DEVICE_ID = "3f2a9c1e5b7d4a60b8e2f1c0d9a87654"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _entry_data(monitor: FakeMonitor) -> dict[str, Any]:
    """What an entry for the fake monitor stores once set up."""
    return {CONF_HOST: monitor.host, CONF_PORT: monitor.port, CONF_TOKEN: "test-token"}


def _user_input(monitor: FakeMonitor, **overrides: Any) -> dict[str, Any]:
    return {
        CONF_HOST: monitor.host,
        CONF_PORT: monitor.port,
        CONF_TOKEN: monitor.token,
        **overrides,
    }


def _zeroconf(monitor: FakeMonitor, **properties: str) -> ZeroconfServiceInfo:
    props = {"device_id": DEVICE_ID, "name": "Nursery", "protocol_version": "1", "version": "0.1.0"}
    props.update(properties)
    return ZeroconfServiceInfo(
        ip_address=ip_address(monitor.host),
        ip_addresses=[ip_address(monitor.host)],
        hostname="nursery.local.",
        name="Nursery._babblefish._tcp.local.",
        port=monitor.port,
        type="_babblefish._tcp.local.",
        properties=props,
    )


def _hassio(monitor: FakeMonitor, token: str | None = None) -> HassioServiceInfo:
    return HassioServiceInfo(
        config={"host": monitor.host, "port": monitor.port, "token": token or monitor.token},
        name="Babblefish",
        slug="babblefish",
        uuid="1234",
    )


async def test_user_flow(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """Host, port and token create an entry named after the monitor, unique by device id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(monitor, host=f" {monitor.host} ")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nursery"
    assert result["data"] == _entry_data(monitor)
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
    user_input = _user_input(monitor)
    if CONF_TOKEN in change:
        user_input[CONF_TOKEN] = change[CONF_TOKEN]
    if CONF_PORT in change:
        user_input[CONF_PORT] = _closed_port()
    if "protocol_version" in change:
        monitor.info["protocol_version"] = change["protocol_version"]
    if "malformed" in change:
        del monitor.info["device_id"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}

    monitor.info["protocol_version"] = 1
    monitor.info["device_id"] = DEVICE_ID
    result = await hass.config_entries.flow.async_configure(result["flow_id"], _user_input(monitor))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_non_json_answer(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """A server that is not a monitor (HTTP error) is reported as unreachable."""
    monitor.http_status = 500
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(monitor)
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
            DOMAIN, context={"source": SOURCE_USER}, data=_user_input(monitor)
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
        DOMAIN, context={"source": SOURCE_USER}, data=_user_input(monitor)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == monitor.host
    assert entry.data[CONF_TOKEN] == monitor.token
    await settle(hass)


async def test_hassio_discovery(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """The add-on's discovery needs one confirming click and no typing."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=_hassio(monitor)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["description_placeholders"] == {"name": "Nursery"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nursery"
    assert result["data"] == _entry_data(monitor)
    assert result["result"].unique_id == DEVICE_ID
    await settle(hass)


@pytest.mark.parametrize(("token", "reason"), [("wrong", "invalid_auth")])
async def test_hassio_discovery_rejected_token(
    hass: HomeAssistant, monitor: FakeMonitor, token: str, reason: str
) -> None:
    """A discovery whose token the monitor rejects aborts."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=_hassio(monitor, token)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_hassio_discovery_unreachable(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """A discovery pointing nowhere aborts with cannot_connect."""
    info = _hassio(monitor)
    info.config["port"] = _closed_port()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_zeroconf_discovery(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """A standalone monitor is found; the user pastes the token; a wrong token is reported first."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(monitor)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"] == {
        "name": "Nursery",
        "host": monitor.host,
        "port": str(monitor.port),
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_TOKEN: "nope"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: monitor.token}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nursery"
    assert result["result"].unique_id == DEVICE_ID
    await settle(hass)


async def test_zeroconf_wrong_device(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """If the address answers with another device id, the flow aborts."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(monitor, device_id="other")
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: monitor.token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"device_id": ""}, "invalid_discovery_info"),
        ({"protocol_version": "2"}, "protocol_mismatch"),
    ],
)
async def test_zeroconf_aborts(
    hass: HomeAssistant, monitor: FakeMonitor, properties: dict[str, str], reason: str
) -> None:
    """Discovery without a device id, or of another protocol version, aborts."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(monitor, **properties)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


@pytest.mark.parametrize(
    ("source", "stored_token"), [(SOURCE_HASSIO, "old"), (SOURCE_ZEROCONF, "test-token")]
)
async def test_discovery_updates_existing_entry(
    hass: HomeAssistant, monitor: FakeMonitor, source: str, stored_token: str
) -> None:
    """A known monitor found again gets its new host and port (the add-on brings its token too)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEVICE_ID,
        data={CONF_HOST: "10.0.0.9", CONF_PORT: 1, CONF_TOKEN: stored_token},
    )
    entry.add_to_hass(hass)
    info = _hassio(monitor) if source == SOURCE_HASSIO else _zeroconf(monitor)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": source}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == _entry_data(monitor)
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
        result["flow_id"], _user_input(monitor, port=_closed_port())
    )
    assert result["errors"] == {"base": "cannot_connect"}
    monitor.token = "rotated"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _user_input(monitor, host=f"{monitor.host} ")
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
        user_input = _user_input(monitor)
    monitor.info["device_id"] = "another"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
