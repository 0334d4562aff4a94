"""Announces the monitor as `_babblefish._tcp.local.` for installs without a Supervisor."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import ifaddr
from zeroconf import InterfaceChoice, IPVersion, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from .protocol import PROTOCOL_VERSION

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_babblefish._tcp.local."


def advertised_addresses(host: str) -> list[str]:
    """The bound address, or every non-loopback IPv4 address when bound to all of them."""
    if host in ("", "0.0.0.0", "::"):
        addresses = [
            str(ip.ip)
            for adapter in ifaddr.get_adapters()
            for ip in adapter.ips
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.")
        ]
        return addresses or ["127.0.0.1"]
    return [host]


def _instance_name(name: str, device_id: str) -> str:
    # Two monitors may share a name ("Nursery"); the id suffix keeps instances unique.
    clean = "".join(c for c in name if c.isprintable() and c != ".")[:40] or "Babblefish"
    return f"{clean} ({device_id[:6]}).{SERVICE_TYPE}"


class ZeroconfAdvert:
    """Registers and unregisters the service; failures are logged, never fatal."""

    def __init__(self, *, name: str, device_id: str, version: str, host: str, port: int) -> None:
        self.info = ServiceInfo(
            SERVICE_TYPE,
            _instance_name(name, device_id),
            port=port,
            properties={
                "device_id": device_id,
                "name": name,
                "protocol_version": str(PROTOCOL_VERSION),
                "version": version,
            },
            parsed_addresses=advertised_addresses(host),
            server=f"babblefish-{device_id[:8]}.local.",
        )
        self._host = host
        self._zeroconf: AsyncZeroconf | None = None
        self._announcing: asyncio.Future[Any] | None = None

    async def start(self) -> None:
        """Announce on the network (IPv4)."""
        try:
            # A monitor bound to one address announces on that interface only.
            bound = self.info.parsed_addresses()
            interfaces: list[str] | InterfaceChoice = (
                bound if self._host not in ("", "0.0.0.0", "::") else InterfaceChoice.All
            )
            self._zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=IPVersion.V4Only)
            # Registration returns while the announcements go on in a task we must not leak.
            announcing = await self._zeroconf.async_register_service(
                self.info, allow_name_change=True
            )
            self._announcing = asyncio.ensure_future(announcing)
        except (OSError, RuntimeError, ValueError) as err:
            _LOGGER.warning(
                "zeroconf advertisement failed (%s); add the monitor by host and port", err
            )
            await self.stop()
            return
        _LOGGER.info(
            "advertising %s on %s port %s", self.info.name, socket.gethostname(), self.info.port
        )

    @property
    def registered(self) -> bool:
        """Whether the service is in this host's zeroconf registry."""
        if self._zeroconf is None:
            return False
        registry = self._zeroconf.zeroconf.registry
        return registry.async_get_info_name(self.info.key) is not None

    async def stop(self) -> None:
        """Withdraw the announcement and close zeroconf's sockets and thread."""
        if self._zeroconf is None:
            return
        zeroconf, self._zeroconf = self._zeroconf, None
        if self._announcing is not None:
            self._announcing.cancel()
            await asyncio.gather(self._announcing, return_exceptions=True)
            self._announcing = None
        try:
            await zeroconf.async_unregister_all_services()
        finally:
            await zeroconf.async_close()
