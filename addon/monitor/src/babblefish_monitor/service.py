"""The monitor service: audio source -> pipeline -> episodes and live state -> the API server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np
import numpy.typing as npt

from .api import protocol
from .api.ingress import IngressServer, add_panel_page
from .api.panel import PanelRoutes
from .api.server import ApiServer, ClientHub
from .api.state import (
    LiveState,
    build_history,
    build_info,
    build_model_info,
    build_state,
    episode_dict,
)
from .api.zeroconf_advert import ZeroconfAdvert
from .audio.level_only import LevelOnlyPipeline
from .audio.model import ModelError
from .audio.pipeline import PipelineOutput
from .climate import ClimateReader, ClimateReading, run_climate
from .clips import ClipRecorder
from .config import MonitorConfig
from .episodes import EpisodeBook
from .factories import LoadedModel, load_pipeline
from .identity import Identity, load_identity, monitor_version
from .labels.service import LabelService
from .ports import PipelineFactory, SourceFactory, SourceLike
from .pushes import TICK_S, PushThrottle, run_ticker
from .supervisor import AudioHeartbeat, FailureLog, supervise
from .tally import CryTally, EpisodeRecord

_LOGGER = logging.getLogger(__name__)

WallClock = Callable[[tzinfo], datetime]


class Monitor:
    """A running monitor: the audio loop, the climate reader and the API server over one state.

    Build it with `await Monitor.start(...)`, which returns it serving, and end it with `stop()`.
    """

    def __init__(
        self,
        config: MonitorConfig,
        *,
        identity: Identity,
        tally: CryTally,
        model: LoadedModel,
        source_factory: SourceFactory,
        climate: ClimateReader | None,
        wall_clock: WallClock,
        monotonic: Callable[[], float],
    ) -> None:
        self.config = config
        self.tz = tally.tz
        self.identity = identity
        self.tally = tally
        self.spec = model.spec
        self.pipeline = model.pipeline
        self.climate = climate
        self._wall = wall_clock
        self.live = LiveState(sensitivity=config.sensitivity, source_name=config.source)
        self.live.model_error = model.error
        if climate is not None:
            self.live.climate = climate.reading
        self.hub = ClientHub(config.send_queue_size)
        self.pushes = PushThrottle(self._push_state, monotonic)
        clips = ClipRecorder(config.record_clips) if config.record_clips else None
        self.episodes = EpisodeBook(
            tally,
            clips,
            wall_of=self.wall_of,
            publish=self._send_event,
        )
        # Opened before serving, so an unusable spec is a clear error at start (SourceError).
        self.source: SourceLike = source_factory(config, self._on_source_status)
        self.server = ApiServer(self, identity.token, self.hub)
        # The parent's labels, the night timeline and the per-home correction (the panel's side).
        self.labels: LabelService | None = LabelService(self, config.data_dir, config.record_clips)
        self.labels.attach(self.pipeline)
        panel = PanelRoutes(self)
        panel.add_to(self.server.app)
        add_panel_page(self.server.app)
        self.ingress = (
            IngressServer(panel, config.ingress_trusted)
            if config.ingress_port is not None
            else None
        )
        self._advert: ZeroconfAdvert | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._restarts_seen = 0
        self.heartbeat = AudioHeartbeat(monotonic)
        self._audio_failures = FailureLog("audio loop")
        self._storage_seen = -1
        self.blocks_processed = 0
        self.process_seconds = 0.0  # CPU spent in pipeline.process, to show it is safe on the loop

    # -- lifecycle -----------------------------------------------------------------------------
    @classmethod
    async def start(
        cls,
        config: MonitorConfig,
        *,
        pipeline_factory: PipelineFactory,
        source_factory: SourceFactory,
        climate: ClimateReader | None = None,
        wall_clock: WallClock = datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Monitor:
        """Load identity, tally and model, open the source, and serve; a bad model is reported."""
        identity = load_identity(config.data_dir, config.token)
        tally = CryTally(config.data_dir, config.tzinfo(), monotonic=monotonic)
        try:
            monitor = cls(
                config,
                identity=identity,
                tally=tally,
                model=load_pipeline(config, pipeline_factory),
                source_factory=source_factory,
                climate=climate,
                wall_clock=wall_clock,
                monotonic=monotonic,
            )
        except BaseException:
            tally.close()
            if climate is not None:
                climate.close()
            raise
        try:
            await monitor._serve()
        except BaseException:
            await monitor._close_resources()
            raise
        return monitor

    async def _serve(self) -> None:
        await self.server.start(self.config.host, self.config.port)
        if self.ingress is not None and self.config.ingress_port is not None:
            await self.ingress.start(self.config.host, self.config.ingress_port)
        if self.config.zeroconf:
            self._advert = ZeroconfAdvert(
                name=self.config.name,
                device_id=self.identity.device_id,
                version=monitor_version(),
                host=self.config.host,
                port=self.server.port,
            )
            await self._advert.start()
        self._spawn(supervise(self._audio_once, self._on_audio_failure), "babblefish-audio")
        self._spawn(self._storage_watch(), "babblefish-storage")
        if self.climate is not None:
            self._spawn(run_climate(self.climate, self._on_climate), "babblefish-climate")
        self._spawn(run_ticker(self.pushes, lambda: self.now().date().isoformat()), "ticker")

    def _spawn(self, job: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(job, name=name))

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
        await self.server.stop()
        if self.ingress is not None:
            await self.ingress.stop()
        await self._close_resources()

    async def _close_resources(self) -> None:
        self.episodes.close()
        await self.source.close()
        if self.climate is not None:
            self.climate.close()
        self.tally.close()
        if self.labels is not None:
            self.labels.close()
            self.labels = None

    # -- clocks --------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Wall time in the monitor's zone (dates come from here, durations never do)."""
        return self._wall(self.tz)

    def wall_of(self, stream_time: float) -> datetime:
        """The wall time of a moment of the stream, measured back from the stream's present."""
        return self.now() - timedelta(seconds=max(0.0, self.pipeline.stream_time - stream_time))

    # -- MonitorApi ----------------------------------------------------------------------------
    def info(self) -> protocol.Info:
        model = build_model_info(self.spec, self.live.model_error)
        return build_info(self.identity, self.config.name, model, climate=self.climate is not None)

    def health(self) -> tuple[bool, dict[str, object]]:
        """Healthy while audio is being processed; the watchdog restarts a monitor that is not."""
        if self.heartbeat.healthy():
            return True, {"status": "ok"}
        silent = round(self.heartbeat.silent_for(), 1)
        return False, {"status": "no_audio", "seconds_since_audio": silent}

    def state(self) -> protocol.State:
        return build_state(self.live, self.tally, self.now())

    def history(self, days: int) -> protocol.History:
        return build_history(self.tally, days, self.now().date())

    def handle_command(self, command: protocol.Command) -> str | None:
        """Apply a client command; returns an error message or None."""
        if command.type == "pause":
            self.set_paused(True)
        elif command.type == "resume":
            self.set_paused(False)
        elif command.type == "set_sensitivity":
            assert command.value is not None  # parse_command guarantees it for this type
            self.set_sensitivity(command.value)
        return None

    # -- commands ------------------------------------------------------------------------------
    def set_paused(self, paused: bool) -> None:
        """Pause detection (an episode in progress ends now) or resume it afresh."""
        if paused == self.live.paused:
            return
        if paused:
            # Flushing ends an episode in progress where the crying was last heard.
            self._handle_output(self.pipeline.flush())
        self.live.paused = paused
        self.live.sound_class, self.live.scores = None, {}
        if not paused:
            self.pipeline.reset()
        self.pushes.mark(significant=True)

    def set_sensitivity(self, sensitivity: float) -> None:
        """Change how readily crying is detected (0.5 is the tuned default)."""
        self.live.sensitivity = sensitivity
        self.pipeline.set_sensitivity(sensitivity)
        self.pushes.mark(significant=True)

    # -- audio ---------------------------------------------------------------------------------
    async def _audio_once(self) -> None:
        """One life of the audio loop; `supervise` starts another after any exception."""
        self._on_source_status(self.source)
        blocks = self.source.blocks()
        try:
            async for block in blocks:
                self.process_block(block)
                if not self.config.realtime:
                    await asyncio.sleep(0)  # a fast file source must not starve the server
        finally:
            # Ends the capture program now, not when the abandoned generator is collected.
            aclose = getattr(blocks, "aclose", None)
            if aclose is not None:
                await aclose()
        self._handle_output(self.pipeline.flush())
        self._on_source_status(self.source)

    def _on_audio_failure(self, err: Exception, delay: float) -> None:
        """The loop died: end a running episode (Crying is never left on) and say why."""
        self._audio_failures.failed(err, delay)
        self._end_episode_now()
        with contextlib.suppress(Exception):
            self.pipeline.reset()
        self.live.source_status = "restarting"
        self.live.source_error = (
            f"audio processing failed ({type(err).__name__}: {err}); retrying in {delay:g} s"
        )
        self.pushes.mark(significant=True)
        self.pushes.maybe_push()

    def _end_episode_now(self) -> None:
        try:
            self._handle_output(self.pipeline.flush())
        except Exception:  # the pipeline is what failed; end the episode where it stood
            _LOGGER.debug("flush after an audio failure failed too", exc_info=True)
        if self.episodes.end_now(self.pipeline.stream_time):
            self.live.crying = False

    def _on_model_failure(self, err: ModelError) -> None:
        """A model that loads but fails when run: report it, keep the sound level going."""
        _LOGGER.error("MODEL ERROR: %s -- no cry detection until this is fixed", err)
        self._end_episode_now()
        self.live.model_error = str(err)
        self.live.sound_class, self.live.scores = None, {}
        self.pipeline = LevelOnlyPipeline(self.config.calibration_db)
        self.pushes.mark(significant=True)

    async def _storage_watch(self) -> None:
        """Retry saving while the disk fails, and push the storage status when it changes."""
        while True:
            self.tally.maintain()
            if self.tally.storage.changes != self._storage_seen:
                self._storage_seen = self.tally.storage.changes
                self.pushes.mark(significant=True)
                self.pushes.maybe_push()
            await asyncio.sleep(TICK_S)

    def process_block(self, block: npt.NDArray[np.int16]) -> None:
        """Feed one block through the pipeline and fold the results into tally, state and pushes."""
        if self.source.restarts != self._restarts_seen:
            # The audio has a gap: no window may span it (a running episode carries on).
            self._restarts_seen = self.source.restarts
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
        self._handle_output(output)
        self.heartbeat.beat()
        if self._audio_failures.recovered():
            self.live.source_status, self.live.source_error = self.source.status, self.source.error
            self.pushes.mark(significant=True)

    def _handle_output(self, output: PipelineOutput) -> None:
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

    def _send_event(self, name: protocol.EventName, record: EpisodeRecord, at: float) -> None:
        self.live.crying = self.episodes.crying
        if name == "cry_ended" and self.labels is not None:
            self.labels.on_episode_end(record, at)
        data: protocol.EventData = {**episode_dict(record, self.tz), "stream_time": round(at, 3)}
        self.hub.broadcast(protocol.event_message(name, data))
        self.pushes.mark(significant=True)
        self.pushes.maybe_push()  # the protocol promises the state message right after the event

    def _push_state(self) -> None:
        self.hub.broadcast(protocol.state_message(self.state()))

    # -- other inputs --------------------------------------------------------------------------
    def _on_source_status(self, source: SourceLike) -> None:
        if (source.status, source.error) != (self.live.source_status, self.live.source_error):
            self.live.source_status, self.live.source_error = source.status, source.error
            self.pushes.mark(significant=True)
            self.pushes.maybe_push()

    def _on_climate(self, reading: ClimateReading) -> None:
        status_changed = reading.status != self.live.climate.status
        self.live.climate = reading
        self.pushes.mark(significant=status_changed)
        self.pushes.maybe_push()
