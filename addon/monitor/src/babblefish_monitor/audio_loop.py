"""The audio loop: source blocks -> pipeline -> live state, episodes and labels; it outlives failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .api.state import LiveState
from .audio.level_only import LevelOnlyPipeline
from .audio.model import ModelError
from .audio.pipeline import PipelineOutput
from .config import MonitorConfig
from .episodes import EpisodeBook
from .labels.service import LabelService
from .ports import PipelineLike, SourceLike
from .pushes import PushThrottle
from .supervisor import AudioHeartbeat, FailureLog

_LOGGER = logging.getLogger(__name__)


@dataclass(kw_only=True, eq=False)
class AudioLoop:
    """Feeds each block of the source through the pipeline and folds what comes out into the state.

    A failing loop ends the running episode (Crying is never left on); a model that fails when run
    gives way to the level-only pipeline, so the sound level goes on.
    """

    config: MonitorConfig
    pipeline: PipelineLike
    live: LiveState
    episodes: EpisodeBook
    pushes: PushThrottle
    heartbeat: AudioHeartbeat
    on_source_status: Callable[[SourceLike], None]
    labels: LabelService | None = None  # set once the label service is built
    blocks_processed: int = field(default=0, init=False)
    process_seconds: float = field(default=0.0, init=False)  # CPU in pipeline.process, on the loop
    _failures: FailureLog = field(default_factory=lambda: FailureLog("audio loop"), init=False)
    _restarts_seen: int = field(default=0, init=False)

    async def run_once(self, source: SourceLike) -> None:
        """One life of the audio loop; `supervise` starts another after any exception."""
        self.on_source_status(source)
        blocks = source.blocks()
        try:
            async for block in blocks:
                self.process_block(source, block)
                if not self.config.realtime:
                    await asyncio.sleep(0)  # a fast file source must not starve the server
        finally:
            # Ends the capture program now, not when the abandoned generator is collected.
            aclose = getattr(blocks, "aclose", None)
            if aclose is not None:
                await aclose()
        self.handle_output(self.pipeline.flush())
        self.on_source_status(source)

    def on_failure(self, err: Exception, delay: float) -> None:
        """The loop died: end a running episode (Crying is never left on) and say why."""
        self._failures.failed(err, delay)
        self.end_episode_now()
        with contextlib.suppress(Exception):
            self.pipeline.reset()
        self.live.source_status = "restarting"
        self.live.source_error = (
            f"audio processing failed ({type(err).__name__}: {err}); retrying in {delay:g} s"
        )
        self.pushes.mark(significant=True)
        self.pushes.maybe_push()

    def end_episode_now(self) -> None:
        """End a running episode where the crying was last heard."""
        try:
            self.handle_output(self.pipeline.flush())
        except Exception:  # the pipeline is what failed; end the episode where it stood
            _LOGGER.debug("flush after an audio failure failed too", exc_info=True)
        if self.episodes.end_now(self.pipeline.stream_time):
            self.live.crying = False

    def _on_model_failure(self, err: ModelError) -> None:
        """A model that loads but fails when run: report it, keep the sound level going."""
        _LOGGER.error("MODEL ERROR: %s -- no cry detection until this is fixed", err)
        self.end_episode_now()
        self.live.model_error = str(err)
        self.live.sound_class, self.live.scores = None, {}
        self.pipeline = LevelOnlyPipeline(self.config.calibration_db)
        self.pushes.mark(significant=True)

    def process_block(self, source: SourceLike, block: npt.NDArray[np.int16]) -> None:
        """Feed one block through the pipeline and fold the results into tally, state and pushes."""
        if source.restarts != self._restarts_seen:
            # The audio has a gap: no window may span it (a running episode carries on).
            self._restarts_seen = source.restarts
            self.pipeline.reset()
        self.episodes.feed(block)
        started = time.perf_counter()
        try:
            output = self.pipeline.process(block)
        except ModelError as err:
            self._on_model_failure(err)
            output = self.pipeline.process(block)
        self.process_seconds += time.perf_counter() - started
        self.blocks_processed += 1
        if self.labels is not None:
            self.labels.on_block(block, self.pipeline.stream_time)
            self.labels.on_output(output, self.live.climate.temperature_c)
        self.handle_output(output)
        self.heartbeat.beat()
        if self._failures.recovered():
            self.live.source_status, self.live.source_error = source.status, source.error
            self.pushes.mark(significant=True)

    def handle_output(self, output: PipelineOutput) -> None:
        """Fold one pipeline output into the live state and the episodes, and push what changed."""
        if output.levels:
            level = output.levels[-1]
            self.live.rms_dbfs, self.live.peak_dbfs = level.rms_dbfs, level.peak_dbfs
            self.pushes.mark(significant=False)
        if self.live.paused:
            return
        if output.windows:
            window = output.windows[-1]
            if window.sound_class != self.live.sound_class:
                self.pushes.mark(significant=True)
            self.live.sound_class, self.live.scores = window.sound_class, dict(window.scores)
            self.pushes.mark(significant=False)
        if self.episodes.fold(output, self.pipeline.current_episode):
            self.pushes.mark(significant=False)
        self.live.crying = self.episodes.crying
        self.pushes.maybe_push()
