"""Discovery config flows (the Supervisor's add-on, zeroconf), against a real protocol-v1 server."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import SOURCE_HASSIO, SOURCE_ZEROCONF
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
    hassio_info,
    zeroconf_info,
)


async def test_hassio_discovery(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """The add-on's discovery needs one confirming click and no typing."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=hassio_info(monitor)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["description_placeholders"] == {"name": "Nursery"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Nursery"
    assert result["data"] == entry_data(monitor)
    assert result["result"].unique_id == DEVICE_ID
    await settle(hass)


@pytest.mark.parametrize(("token", "reason"), [("wrong", "invalid_auth")])
async def test_hassio_discovery_rejected_token(
    hass: HomeAssistant, monitor: FakeMonitor, token: str, reason: str
) -> None:
    """A discovery whose token the monitor rejects aborts."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=hassio_info(monitor, token)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_hassio_discovery_unreachable(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """A discovery pointing nowhere aborts with cannot_connect."""
    info = hassio_info(monitor)
    info.config["port"] = closed_port()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_zeroconf_discovery(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """A standalone monitor is found; the user pastes the token; a wrong token is reported first."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(monitor)
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
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(monitor, device_id="other")
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
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(monitor, **properties)
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
    info = hassio_info(monitor) if source == SOURCE_HASSIO else zeroconf_info(monitor)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": source}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data == entry_data(monitor)
    await settle(hass)
