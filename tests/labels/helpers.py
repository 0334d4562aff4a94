"""A real monitor replaying the demo night for the label and panel tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.labels.monitor_clock import StreamClock
from tests.monitor.monitor_server import RunningMonitor, running_monitor

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "nursery_demo.flac"
NIGHT_START = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # the night of 30 November


@asynccontextmanager
async def replayed_night(data_dir: Path, **kwargs: Any) -> AsyncIterator[RunningMonitor]:
    """The monitor after replaying the demo recording once (as fast as it can), clips on."""
    clock = StreamClock(kwargs.pop("start", NIGHT_START))
    kwargs.setdefault("record_clips", data_dir / "clips")
    async with running_monitor(
        source=f"file:{DEMO}", data_dir=data_dir, realtime=False, wall_clock=clock, **kwargs
    ) as mon:
        clock.monitor = mon.monitor
        async with asyncio.timeout(120):
            while mon.monitor.live.source_status != "ended":  # noqa: ASYNC110 - a plain attribute
                await asyncio.sleep(0.05)
        assert mon.monitor.labels is not None
        mon.monitor.labels.timeline.flush()
        yield mon
