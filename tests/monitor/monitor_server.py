"""Runs a real monitor server in-process on loopback, for contract tests, end-to-end tests and benches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babblefish_monitor.config import MonitorConfig
from babblefish_monitor.factories import make_climate, make_pipeline, make_source
from babblefish_monitor.service import Monitor


@dataclass(frozen=True)
class RunningMonitor:
    """Where a test monitor listens and how to talk to it."""

    url: str
    host: str
    port: int
    token: str
    monitor: Monitor


@asynccontextmanager
async def running_monitor(
    *,
    source: str,
    data_dir: Path,
    token: str | None = "test-token",
    model: Path | None = None,
    climate: str = "fake",
    host: str = "127.0.0.1",
    port: int = 0,
    realtime: bool = True,
    loop: bool = False,
    timezone: str = "UTC",
    name: str = "Nursery",
    sensitivity: float = 0.5,
    send_queue_size: int = 256,
    record_clips: Path | None = None,
    ingress_port: int | None = None,
    ingress_trusted: tuple[str, ...] = ("172.30.32.2",),
    **monitor_kwargs: Any,
) -> AsyncIterator[RunningMonitor]:
    """Start the real service and server (no zeroconf); stop them, tally checkpointed, on exit.

    `token=None` makes the monitor generate (or reuse) a token in `data_dir`; `mon.token` tells it.
    Extra keyword arguments go to `Monitor` (e.g. `pipeline_factory`, `wall_clock`, `monotonic`).
    """
    config = MonitorConfig(
        source=source,
        model_dir=model,
        host=host,
        port=port,
        data_dir=data_dir,
        token=token,
        name=name,
        climate=climate,
        timezone=timezone,
        sensitivity=sensitivity,
        realtime=realtime,
        loop=loop,
        zeroconf=False,
        send_queue_size=send_queue_size,
        record_clips=record_clips,
        ingress_port=ingress_port,
        ingress_trusted=ingress_trusted,
    )
    monitor_kwargs.setdefault("pipeline_factory", make_pipeline)
    monitor_kwargs.setdefault("source_factory", make_source)
    monitor_kwargs.setdefault("climate", make_climate(config))
    monitor = Monitor(config, **monitor_kwargs)
    await monitor.start()
    try:
        assert monitor.server is not None
        assert monitor.identity is not None
        bound, secret = monitor.server.port, monitor.identity.token
        yield RunningMonitor(f"http://{host}:{bound}", host, bound, secret, monitor)
    finally:
        await monitor.stop()
