"""A pipeline that only measures sound level: what the monitor runs while its model cannot load."""

from __future__ import annotations

from typing import Any

import numpy.typing as npt

from .detector import Episode
from .level import LevelMeter
from .pipeline import PipelineOutput
from .sources import SAMPLE_RATE


class LevelOnlyPipeline:
    """Keeps the sound level sensor alive without a classifier (no windows, no events)."""

    def __init__(self, calibration_db: float = 0.0) -> None:
        self.levels = LevelMeter(SAMPLE_RATE, 1.0, calibration_db)
        self._samples = 0

    @property
    def stream_time(self) -> float:
        return self._samples / SAMPLE_RATE

    @property
    def current_episode(self) -> Episode | None:
        return None  # no classifier, no episodes

    def process(self, block: npt.NDArray[Any]) -> PipelineOutput:
        self._samples += block.size
        return PipelineOutput(levels=self.levels.process(block))

    def flush(self) -> PipelineOutput:
        return PipelineOutput()

    def set_sensitivity(self, value: float) -> None:
        return None

    def reset(self) -> None:
        self.levels.reset()
