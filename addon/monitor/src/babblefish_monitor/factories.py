"""Builds what the service runs from its config: the pipeline (or a level-only one), source, climate."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .audio.detector import DetectorConfig
from .audio.level_only import LevelOnlyPipeline
from .audio.model import ModelError, ModelSpec, load_model_dir
from .audio.pipeline import Pipeline
from .audio.sources import open_source
from .climate import ClimateReader, open_driver
from .config import MonitorConfig
from .ports import PipelineFactory, PipelineLike, SourceLike, SourceStatusCallback

_LOGGER = logging.getLogger(__name__)


def make_pipeline(spec: ModelSpec, config: MonitorConfig) -> PipelineLike:
    """The audio engineer's streaming pipeline with default detector settings."""
    pipeline: PipelineLike = Pipeline(spec, DetectorConfig(), calibration_db=config.calibration_db)
    return pipeline


def make_source(config: MonitorConfig, on_status: SourceStatusCallback) -> SourceLike:
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


@dataclass(frozen=True)
class LoadedModel:
    """The pipeline the monitor runs: the model's, or a level-only one when the model failed."""

    spec: ModelSpec | None
    pipeline: PipelineLike
    error: str | None


def load_pipeline(config: MonitorConfig, factory: PipelineFactory) -> LoadedModel:
    """The configured model's pipeline; a model that cannot load is reported, not fatal."""
    spec: ModelSpec | None = None
    try:
        spec = load_model_dir(config.model_dir)
        pipeline = factory(spec, config)
        pipeline.set_sensitivity(config.sensitivity)
    except ModelError as err:
        # Still listen, for the sound level; Home Assistant shows the error as a repair.
        _LOGGER.error("MODEL ERROR: %s -- no cry detection until this is fixed", err)
        return LoadedModel(spec, LevelOnlyPipeline(config.calibration_db), str(err))
    return LoadedModel(spec, pipeline, None)
