"""Runs a real monitor server in-process on loopback, for contract tests, end-to-end tests and benches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from typing import Any

from babblefish_monitor.config import MonitorConfig
from babblefish_monitor.factories import make_climate, make_pipeline, make_source
from babblefish_monitor.service import Monitor

# Where a test monitor differs from `serve`'s defaults: loopback, a free port, a known token, a
# fixed zone, a fake climate sensor and no advert on the network.
TEST_SETTINGS: dict[str, Any] = {
    "token": "test-token",
    "climate": "fake",
    "host": "127.0.0.1",
    "port": 0,
    "timezone": "UTC",
    "zeroconf": False,
}
CONFIG_FIELDS = frozenset(f.name for f in fields(MonitorConfig))


@dataclass(frozen=True)
class RunningMonitor:
    """Where a test monitor listens and how to talk to it."""

    url: str
    host: str
    port: int
    token: str
    monitor: Monitor


@asynccontextmanager
async def running_monitor(**options: Any) -> AsyncIterator[RunningMonitor]:
    """Start the real service and server; stop them, tally checkpointed, on exit.

    Keyword arguments named like `MonitorConfig` fields override `TEST_SETTINGS` and the config's
    defaults (`token=None` makes the monitor generate or reuse one in `data_dir`; `mon.token` tells
    it); the rest go to `Monitor.start` (e.g. `pipeline_factory`, `wall_clock`, `monotonic`).
    """
    settings = {k: v for k, v in options.items() if k in CONFIG_FIELDS}
    config = MonitorConfig(**{**TEST_SETTINGS, **settings})
    start_options = {k: v for k, v in options.items() if k not in CONFIG_FIELDS}
    start_options.setdefault("pipeline_factory", make_pipeline)
    start_options.setdefault("source_factory", make_source)
    start_options.setdefault("climate", make_climate(config))
    monitor = await Monitor.start(config, **start_options)
    try:
        bound, secret = monitor.server.port, monitor.identity.token
        yield RunningMonitor(f"http://{config.host}:{bound}", config.host, bound, secret, monitor)
    finally:
        await monitor.stop()
