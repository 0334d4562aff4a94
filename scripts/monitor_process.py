"""Runs `babblefish-monitor serve` as a real process for the demo and the end-to-end test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import aiohttp
from managed_process import ManagedProcess

REPO = Path(__file__).resolve().parents[1]
MONITOR_BIN = Path(sys.executable).with_name("babblefish-monitor")
# The integration's own client speaks to the monitor here too, so scripts and tests cannot drift
# from what Home Assistant sees.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from custom_components.babblefish.api import (  # noqa: E402
    BabblefishClient,
    BabblefishConnectionError,
)


class MonitorProcess(ManagedProcess):
    """One monitor process; `start` again after `stop` to simulate a restart."""

    def __init__(
        self,
        *,
        source: str,
        data_dir: Path,
        port: int,
        token: str,
        climate: str = "fake",
        name: str = "Nursery",
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(data_dir / "monitor-console.log")
        self.source, self.data_dir, self.port, self.token = source, data_dir, port, token
        self.climate, self.name, self.extra_args = climate, name, extra_args
        self.env = env if env is not None else dict(os.environ)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def argv(self) -> list[str]:
        return [
            str(MONITOR_BIN), "serve", "--source", self.source, "--data-dir", str(self.data_dir),
            "--host", "127.0.0.1", "--port", str(self.port), "--token", self.token,
            "--climate", self.climate, "--name", self.name, "--no-zeroconf", *self.extra_args,
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        return self.env

    def client(self, session: aiohttp.ClientSession) -> BabblefishClient:
        """The integration's client for this monitor."""
        return BabblefishClient("127.0.0.1", self.port, self.token, session=session)

    async def wait_ready(self, session: aiohttp.ClientSession, timeout: float = 60.0) -> None:
        """Wait until the health check answers."""
        await self.wait_answer(self.client(session).health, timeout, (BabblefishConnectionError,))
