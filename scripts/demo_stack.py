"""The whole product on one machine: a monitor process and a real Home Assistant configured for it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from ha_versions import MINIMUM, HassVersion
from hass_config import write_config
from hass_harness import Hass, free_port
from monitor_process import MonitorProcess
from stack_config import configure_home_assistant


@dataclass
class Stack:
    """The running parts, and the Babblefish entity ids Home Assistant gave them."""

    monitor: MonitorProcess
    hass: Hass
    session: aiohttp.ClientSession
    entities: dict[str, str]


@asynccontextmanager
async def running_stack(
    workdir: Path,
    source: str,
    *,
    token: str,
    username: str,
    password: str,
    env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    show_logs: bool = True,
    version: HassVersion = MINIMUM,
) -> AsyncIterator[Stack]:
    """Start the monitor on `source`, then Home Assistant, onboarded and set up as a parent would;
    stop both on exit (printing the ends of their logs when `show_logs`)."""
    monitor = MonitorProcess(
        source=source, data_dir=workdir / "monitor", port=free_port(), token=token,
        env=env or dict(os.environ), extra_args=("--timezone", "UTC", *extra_args),
    )  # fmt: skip
    hass = Hass(workdir / "homeassistant", free_port(), version)
    async with aiohttp.ClientSession() as session:
        try:
            monitor.start()
            await monitor.wait_ready(session)
            write_config(hass.config_dir, port=hass.port)
            hass.start()
            await hass.wait_ready(session)
            entities = await configure_home_assistant(
                hass, session, monitor_port=monitor.port, monitor_token=token,
                username=username, password=password,
            )  # fmt: skip
            yield Stack(monitor, hass, session, entities)
        finally:
            hass.stop()
            monitor.stop()
            if show_logs:
                print("--- monitor log ---\n" + monitor.log_tail(30))
                print("--- hass log ---\n" + hass.log_tail(30))
