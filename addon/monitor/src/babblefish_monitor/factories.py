"""Builds the real pipeline, audio source and climate reader the service runs, from its config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .audio.detector import DetectorConfig
from .audio.model import ModelSpec
from .audio.pipeline import Pipeline
from .audio.sources import open_source
from .climate import ClimateReader, open_driver
from .config import MonitorConfig
from .ports import PipelineLike, SourceLike


def make_pipeline(spec: ModelSpec, config: MonitorConfig) -> PipelineLike:
    """The audio engineer's streaming pipeline with default detector settings."""
    pipeline: PipelineLike = Pipeline(spec, DetectorConfig(), calibration_db=config.calibration_db)
    return pipeline


def make_source(config: MonitorConfig, on_status: Callable[[Any], None]) -> SourceLike:
    """The audio source the config's spec names; raises SourceError for unusable specs."""
    source: SourceLike = open_source(
        config.source,
        realtime=config.realtime,
        loop=config.loop,
        block_seconds=config.block_seconds,
        on_status=on_status,
    )
    return source


def make_climate(config: MonitorConfig) -> ClimateReader | None:
    """A reader for the configured sensor, or None for `none`; raises ClimateError."""
    driver = open_driver(config.climate)
    return ClimateReader(driver) if driver is not None else None
