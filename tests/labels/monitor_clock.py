"""A wall clock that follows the audio: a fast replay then looks like a real night to the panel."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any


class StreamClock:
    """`start` plus the seconds of audio the monitor has heard (0 until its pipeline exists)."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.monitor: Any = None

    def __call__(self, tz: tzinfo) -> datetime:
        pipeline = getattr(self.monitor, "pipeline", None)
        heard = pipeline.stream_time if pipeline is not None else 0.0
        return (self.start + timedelta(seconds=heard)).astimezone(tz)
