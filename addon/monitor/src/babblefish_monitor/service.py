"""The monitor service: audio source -> pipeline -> tally, live state and WebSocket pushes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import numpy.typing as npt

from .api import protocol
from .api.ingress import IngressServer, add_panel_page
from .api.panel import PanelRoutes
from .api.server import ApiServer, ClientHub
from .api.state import LiveState, build_history, build_model_info, build_state, episode_dict
from .api.zeroconf_advert import ZeroconfAdvert
from .audio.detector import CryEvent
from .audio.level_only import LevelOnlyPipeline
from .audio.model import ModelError, ModelSpec, load_model_dir
from .audio.pipeline import PipelineOutput
from .climate import ClimateReader, ClimateReading, run_climate
from .clips import ClipRecorder
from .config import MonitorConfig
from .identity import Identity, load_identity
from .labels.service import LabelService
from .ports import PipelineFactory, PipelineLike, SourceFactory, SourceLike
from .tally import CryTally

_LOGGER = logging.getLogger(__name__)

PUSH_INTERVAL_S = 1.0  # sound level, scores and running cry seconds: at most one push per second
TICK_S = 1.0


def monitor_version() -> str:
    """The installed package's version."""
    try:
        return version("babblefish-monitor")
    except PackageNotFoundError:
        return "0.0.0"


class Monitor:
    """Runs the audio loop, the climate reader and the API server; owns the live state."""

    def __init__(
        self,
        config: MonitorConfig,
        *,
        pipeline_factory: PipelineFactory,
        source_factory: SourceFactory,
        climate: ClimateReader | None = None,
        wall_clock: Callable[[tzinfo], datetime] = datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.tz = config.tzinfo()
        self.live = LiveState(sensitivity=config.sensitivity, source_name=config.source)
        self.hub = ClientHub(config.send_queue_size)
        self.identity: Identity | None = None
        self.tally: CryTally | None = None
        self.server: ApiServer | None = None
        self.spec: ModelSpec | None = None
        self.pipeline: PipelineLike | None = None
        self.source: SourceLike | None = None
        self.climate = climate
        self._pipeline_factory = pipeline_factory
        self._source_factory = source_factory
        self._wall = wall_clock
        self._monotonic = monotonic
        self._tasks: list[asyncio.Task[None]] = []
        self._episode_stream_start = 0.0
        self._significant = False
        self._continuous = False
        self._last_push = float("-inf")
        self._day = ""
        self._restarts_seen = 0
        self.blocks_processed = 0
        self.process_seconds = 0.0  # CPU spent in pipeline.process, to show it is safe on the loop
        self._advert: ZeroconfAdvert | None = None
        self.clips = ClipRecorder(config.record_clips) if config.record_clips else None
        self.labels: LabelService | None = None
        self.ingress: IngressServer | None = None
        self.stopped = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Load identity, tally and model, then serve; a bad model is reported, not fatal."""
        data_dir = self.config.data_dir
        self.identity = load_identity(data_dir, self.config.token)
        self.tally = CryTally(data_dir, self.tz, monotonic=self._monotonic)
        try:
            self._load_model()
            self.labels = LabelService(self, data_dir, self.config.record_clips)
            self.labels.attach(self.pipeline)
            # Opened before serving, so an unusable spec is a clear error at start (SourceError).
            self.source = self._source_factory(self.config, self._on_source_status)
            self.server = ApiServer(self, self.identity.token, self.hub)
            panel = PanelRoutes(self)
            panel.add_to(self.server.app)
            add_panel_page(self.server.app)
            await self.server.start(self.config.host, self.config.port)
            if self.config.ingress_port is not None:
                self.ingress = IngressServer(panel, self.config.ingress_trusted)
                await self.ingress.start(self.config.host, self.config.ingress_port)
        except BaseException:
            await self._close_resources()
            raise
        if self.climate is not None:
            self.live.climate = self.climate.reading
        if self.config.zeroconf:
            self._advert = ZeroconfAdvert(
                name=self.config.name,
                device_id=self.identity.device_id,
                version=monitor_version(),
                host=self.config.host,
                port=self.server.port,
            )
            await self._advert.start()
        self._day = self.now().date().isoformat()
        self._tasks.append(asyncio.create_task(self._audio_loop(), name="babblefish-audio"))
        if self.climate is not None:
            climate = run_climate(self.climate, self._on_climate)
            self._tasks.append(asyncio.create_task(climate, name="babblefish-climate"))
        self._tasks.append(asyncio.create_task(self._ticker(), name="babblefish-ticker"))

    def _load_model(self) -> None:
        try:
            self.spec = load_model_dir(self.config.model_dir)
            self.pipeline = self._pipeline_factory(self.spec, self.config)
            self.pipeline.set_sensitivity(self.live.sensitivity)
        except ModelError as err:
            # Still listen, for the sound level; Home Assistant shows the error as a repair.
            self.pipeline = LevelOnlyPipeline(self.config.calibration_db)
            self.live.model_error = str(err)
            _LOGGER.error("MODEL ERROR: %s -- no cry detection until this is fixed", err)

    async def stop(self) -> None:
        """Stop the loops, checkpoint the tally and close the server."""
        if self.blocks_processed:
            _LOGGER.info(
                "pipeline: %d blocks, %.2f ms each on the event loop",
                self.blocks_processed,
                1000 * self.process_seconds / self.blocks_processed,
            )
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._advert is not None:
            await self._advert.stop()
        if self.server is not None:
            await self.server.stop()
        await self._close_resources()
        self.stopped.set()

    async def _close_resources(self) -> None:
        if self.ingress is not None:
            await self.ingress.stop()
            self.ingress = None
        if self.clips is not None:
            self.clips.stop()
        if self.source is not None:
            await self.source.close()
        if self.climate is not None:
            self.climate.close()
        if self.tally is not None:
            self.tally.close()
            self.tally = None
        if self.labels is not None:
            self.labels.close()
            self.labels = None

    # -- clocks --------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Wall time in the monitor's zone (dates come from here, durations never do)."""
        return self._wall(self.tz)

    def wall_of(self, stream_time: float) -> datetime:
        """The wall time of a moment of the stream, measured back from the stream's present."""
        current = self.pipeline.stream_time if self.pipeline is not None else stream_time
        return self.now() - timedelta(seconds=max(0.0, current - stream_time))

    # -- MonitorApi ----------------------------------------------------------------------------
    def info(self) -> protocol.Info:
        assert self.identity is not None
        capabilities = ["pause", "sensitivity", "sound_level", "history"]
        if self.climate is not None:
            capabilities.insert(2, "climate")
        return {
            "device_id": self.identity.device_id,
            "name": self.config.name,
            "version": monitor_version(),
            "protocol_version": protocol.PROTOCOL_VERSION,
            "model": build_model_info(self.spec, self.live.model_error),
            "capabilities": capabilities,
        }

    def state(self) -> protocol.State:
        assert self.tally is not None
        return build_state(self.live, self.tally, self.now())

    def history(self, days: int) -> protocol.History:
        assert self.tally is not None
        return build_history(self.tally, days, self.now().date())

    def handle_command(self, command: protocol.Command) -> str | None:
        """Apply a client command; returns an error message or None."""
        if command.type == "pause":
            self.set_paused(True)
        elif command.type == "resume":
            self.set_paused(False)
        elif command.type == "set_sensitivity":
            assert command.value is not None
            self.set_sensitivity(command.value)
        return None

    # -- commands ------------------------------------------------------------------------------
    def set_paused(self, paused: bool) -> None:
        """Pause detection (an episode in progress ends now) or resume it afresh."""
        if paused == self.live.paused:
            return
        if paused and self.pipeline is not None:
            # Flushing ends an episode in progress where the crying was last heard.
            self._handle_output(self.pipeline.flush())
        self.live.paused = paused
        self.live.sound_class, self.live.scores = None, {}
        if not paused and self.pipeline is not None:
            self.pipeline.reset()
        self._mark(significant=True)

    def set_sensitivity(self, sensitivity: float) -> None:
        """Change how readily crying is detected (0.5 is the tuned default)."""
        self.live.sensitivity = sensitivity
        if self.pipeline is not None:
            self.pipeline.set_sensitivity(sensitivity)
        self._mark(significant=True)

    # -- audio ---------------------------------------------------------------------------------
    async def _audio_loop(self) -> None:
        assert self.source is not None
        self._on_source_status(self.source)
        async for block in self.source.blocks():
            self.process_block(block)
            if not self.config.realtime:
                await asyncio.sleep(0)  # a fast file source must not starve the server
        if self.pipeline is not None:
            self._handle_output(self.pipeline.flush())
        self._on_source_status(self.source)

    def process_block(self, block: npt.NDArray[np.int16]) -> None:
        """Feed one block through the pipeline and fold the results into tally, state and pushes."""
        assert self.pipeline is not None and self.source is not None
        if self.source.restarts != self._restarts_seen:
            # The audio has a gap: no window may span it (a running episode carries on).
            self._restarts_seen = self.source.restarts
            self.pipeline.reset()
        if self.clips is not None:
            self.clips.feed(block)
        started = time.perf_counter()
        output = self.pipeline.process(block)
        self.process_seconds += time.perf_counter() - started
        self.blocks_processed += 1
        if self.labels is not None:
            self.labels.on_block(block, self.pipeline.stream_time)
            self.labels.on_output(output, self.live.climate.temperature_c)
        self._handle_output(output)

    def _handle_output(self, output: PipelineOutput) -> None:
        if output.levels:
            level = output.levels[-1]
            self.live.rms_dbfs, self.live.peak_dbfs = level.rms_dbfs, level.peak_dbfs
            self._mark(significant=False)
        if self.live.paused:
            return
        if output.windows:
            window = output.windows[-1]
            if window.sound_class != self.live.sound_class:
                self._mark(significant=True)
            self.live.sound_class, self.live.scores = window.sound_class, dict(window.scores)
            self._mark(significant=False)
        for event in output.events:
            if event.kind == "cry_started":
                self._start_episode(event)
            elif event.kind == "cry_ended" and self.live.crying:
                end = event.end if event.end is not None else event.stream_time
                self._end_episode(event.start, end, event.peak_score, event.stream_time)
        if self.live.crying and self.tally is not None and self.pipeline is not None:
            duration = self.pipeline.stream_time - self._episode_stream_start
            self.tally.update_episode(duration, self._window_peak(output))
            self._mark(significant=False)
        self._maybe_push()

    def _window_peak(self, output: PipelineOutput) -> float:
        label = self.spec.cry_label if self.spec else "crying"
        return max((w.scores.get(label, 0.0) for w in output.windows), default=0.0)

    def _start_episode(self, event: CryEvent) -> None:
        assert self.tally is not None
        self._episode_stream_start = event.start
        wall_start = self.wall_of(event.start)
        record = self.tally.start_episode(wall_start, event.peak_score)
        self.live.crying = True
        if self.clips is not None:
            self.clips.start(wall_start, event.stream_time - event.start)
        self._send_event("cry_started", record, event.stream_time)

    def _end_episode(self, start: float, end: float, peak: float, stream_time: float) -> None:
        assert self.tally is not None
        record = self.tally.end_episode(end - start, peak)
        if self.labels is not None and record is not None:
            self.labels.on_episode_end(record, start, end)
        self.live.crying = False
        if self.clips is not None:
            self.clips.stop()
        if record is not None:
            self._send_event("cry_ended", record, stream_time)

    def _send_event(self, name: protocol.EventName, record: Any, stream_time: float) -> None:
        episode = episode_dict(record, self.tz)
        data: protocol.EventData = {**episode, "stream_time": round(stream_time, 3)}
        self.hub.broadcast(protocol.event_message(name, data))
        self._mark(significant=True)
        self._maybe_push()  # the protocol promises the state message right after the event

    # -- other inputs --------------------------------------------------------------------------
    def _on_source_status(self, source: Any) -> None:
        self._set_source(source.status, source.error)

    def _set_source(self, status: protocol.SourceStatus, error: str | None) -> None:
        if (status, error) != (self.live.source_status, self.live.source_error):
            self.live.source_status, self.live.source_error = status, error
            self._mark(significant=True)
            self._maybe_push()

    def _on_climate(self, reading: ClimateReading) -> None:
        status_changed = reading.status != self.live.climate.status
        self.live.climate = reading
        self._mark(significant=status_changed)
        self._maybe_push()

    # -- pushes --------------------------------------------------------------------------------
    def _mark(self, *, significant: bool) -> None:
        if significant:
            self._significant = True
        else:
            self._continuous = True

    def _maybe_push(self) -> None:
        """Push now for significant changes; at most once per second for level, scores, counters."""
        now = self._monotonic()
        due = self._continuous and now - self._last_push >= PUSH_INTERVAL_S
        if not (self._significant or due):
            return
        self._significant = self._continuous = False
        self._last_push = now
        self.hub.broadcast(protocol.state_message(self.state()))

    async def _ticker(self) -> None:
        """Once a second: notice local midnight and send any pushes the rate limit held back."""
        while True:
            await asyncio.sleep(TICK_S)
            day = self.now().date().isoformat()
            if day != self._day:
                self._day = day
                self._mark(significant=True)
            self._maybe_push()
