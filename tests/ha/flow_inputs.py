"""What the config-flow tests hand the flows: user input, discovery info, the stored entry."""

from __future__ import annotations

from ipaddress import ip_address
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .fake_monitor import FakeMonitor

DEVICE_ID = "3f2a9c1e5b7d4a60b8e2f1c0d9a87654"


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def entry_data(monitor: FakeMonitor) -> dict[str, Any]:
    """What an entry for the fake monitor stores once set up."""
    return {CONF_HOST: monitor.host, CONF_PORT: monitor.port, CONF_TOKEN: "test-token"}


def form_input(monitor: FakeMonitor, **overrides: Any) -> dict[str, Any]:
    return {
        CONF_HOST: monitor.host,
        CONF_PORT: monitor.port,
        CONF_TOKEN: monitor.token,
        **overrides,
    }


def zeroconf_info(monitor: FakeMonitor, **properties: str) -> ZeroconfServiceInfo:
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


def hassio_info(monitor: FakeMonitor, token: str | None = None) -> HassioServiceInfo:
    return HassioServiceInfo(
        config={"host": monitor.host, "port": monitor.port, "token": token or monitor.token},
        name="Babblefish",
        slug="babblefish",
        uuid="1234",
    )
