"""Announces the monitor as `_babblefish._tcp.local.` for installs without a Supervisor."""

from __future__ import annotations

import logging
import socket

import ifaddr
from zeroconf import IPVersion, ServiceInfo
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
        self._zeroconf: AsyncZeroconf | None = None

    async def start(self) -> None:
        """Announce on the network (IPv4)."""
        try:
            self._zeroconf = AsyncZeroconf(ip_version=IPVersion.V4Only)
            await self._zeroconf.async_register_service(self.info, allow_name_change=True)
        except (OSError, RuntimeError, ValueError) as err:
            _LOGGER.warning(
                "zeroconf advertisement failed (%s); add the monitor by host and port", err
            )
            await self.stop()
            return
        _LOGGER.info(
            "advertising %s on %s port %s", self.info.name, socket.gethostname(), self.info.port
        )

    async def stop(self) -> None:
        """Withdraw the announcement and close zeroconf's sockets and thread."""
        if self._zeroconf is None:
            return
        zeroconf, self._zeroconf = self._zeroconf, None
        try:
            await zeroconf.async_unregister_all_services()
        finally:
            await zeroconf.async_close()
