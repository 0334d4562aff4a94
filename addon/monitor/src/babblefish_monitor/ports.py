"""What the monitor service needs from a pipeline and an audio source, and how it gets them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy.typing as npt

from .audio.model import ModelSpec
from .audio.pipeline import PipelineOutput
from .config import MonitorConfig


class PipelineLike(Protocol):
    """What the service needs from the audio engineer's Pipeline."""

    @property
    def stream_time(self) -> float: ...
    def process(self, block: npt.NDArray[Any]) -> PipelineOutput: ...
    def flush(self) -> PipelineOutput: ...
    def set_sensitivity(self, sensitivity: float) -> None: ...
    def reset(self) -> None: ...


class SourceLike(Protocol):
    """What the service needs from an audio source."""

    name: str
    status: Any
    error: str | None
    restarts: int

    def blocks(self) -> Any: ...
    async def close(self) -> None: ...


PipelineFactory = Callable[[ModelSpec, MonitorConfig], PipelineLike]
SourceFactory = Callable[[MonitorConfig, Callable[[Any], None]], SourceLike]
