"""What the monitor service needs from a pipeline and an audio source, and how it gets them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

import numpy as np
import numpy.typing as npt

from babblefish_monitor.audio.detector import Episode
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import PipelineOutput
from babblefish_monitor.audio.sources import Block, SourceStatus
from babblefish_monitor.config import MonitorConfig


class PipelineLike(Protocol):
    """What the service needs from a pipeline: the full one, or the level-only stand-in."""

    @property
    def stream_time(self) -> float: ...
    @property
    def current_episode(self) -> Episode | None: ...
    def process(self, block: npt.NDArray[np.int16]) -> PipelineOutput: ...
    def flush(self) -> PipelineOutput: ...
    def set_sensitivity(self, sensitivity: float) -> None: ...
    def reset(self) -> None: ...


class SourceLike(Protocol):
    """What the service needs from an audio source."""

    @property
    def name(self) -> str: ...
    @property
    def status(self) -> SourceStatus: ...
    @property
    def error(self) -> str | None: ...
    @property
    def restarts(self) -> int: ...
    def blocks(self) -> AsyncIterator[Block]: ...
    async def close(self) -> None: ...


SourceStatusCallback = Callable[[SourceLike], None]
PipelineFactory = Callable[[ModelSpec, MonitorConfig], PipelineLike]
SourceFactory = Callable[[MonitorConfig, SourceStatusCallback], SourceLike]
