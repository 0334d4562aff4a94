"""The monitor service: audio source -> pipeline -> episodes and live state -> the API server."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta, tzinfo
from typing import Any

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
from .audio.cascade import Cascade, OpinionStatus
from .audio_loop import AudioLoop
from .climate import ClimateReader, ClimateReading, run_climate
from .clips import ClipRecorder
from .config import MonitorConfig
from .episodes import EpisodeBook
from .factories import LoadedModel, load_pipeline
from .identity import Identity, load_identity, monitor_version
from .labels.service import LabelService
from .ports import PipelineFactory, PipelineLike, SourceFactory, SourceLike
from .pushes import PushThrottle, run_ticker, watch_changes
from .supervisor import AudioHeartbeat, supervise
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
        self.heartbeat = AudioHeartbeat(monotonic)
        self.audio = AudioLoop(
            config=config,
            pipeline=model.pipeline,
            live=self.live,
            episodes=self.episodes,
            pushes=self.pushes,
            heartbeat=self.heartbeat,
            on_source_status=self._on_source_status,
        )
        # Opened before serving, so an unusable spec is a clear error at start (SourceError).
        self.source: SourceLike = source_factory(config, self._on_source_status)
        self.server = ApiServer(self, identity.token, self.hub)
        # The parent's labels, the night timeline and the per-home correction (the panel's side).
        self.labels: LabelService | None = LabelService(self, config.data_dir, config.record_clips)
        self.labels.attach(self.pipeline)
        self.audio.labels = self.labels
        self.live.labels_problem = self.labels.store.problem
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

    @property
    def pipeline(self) -> PipelineLike:
        """The pipeline in use (the level-only one once the model has failed)."""
        return self.audio.pipeline

    @property
    def blocks_processed(self) -> int:
        return self.audio.blocks_processed

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
        audio = self.audio
        self._spawn(
            supervise(lambda: audio.run_once(self.source), audio.on_failure), "babblefish-audio"
        )
        self._spawn(watch_changes(self.pushes, self._storage_changes), "babblefish-storage")
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
                1000 * self.audio.process_seconds / self.blocks_processed,
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
            self.labels = self.audio.labels = None

    # -- clocks --------------------------------------------------------------------------------
    def now(self) -> datetime:
        """Wall time in the monitor's zone (dates come from here, durations never do)."""
        return self._wall(self.tz)

    def wall_of(self, stream_time: float) -> datetime:
        """The wall time of a moment of the stream, measured back from the stream's present."""
        return self.now() - timedelta(seconds=max(0.0, self.pipeline.stream_time - stream_time))

    # -- MonitorApi ----------------------------------------------------------------------------
    def info(self) -> protocol.Info:
        cascade = getattr(self.pipeline, "cascade", None)
        opinion = cascade.status if isinstance(cascade, Cascade) else OpinionStatus("off")
        model = build_model_info(self.spec, self.live.model_error, opinion)
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
            self.audio.handle_output(self.pipeline.flush())
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

    def _storage_changes(self) -> int:
        """Retry saving while the disk fails; the storage status's change count."""
        self.tally.maintain()
        return self.tally.storage.changes

    def _send_event(self, name: protocol.EventName, record: EpisodeRecord, at: float) -> None:
        self.live.crying = self.episodes.crying
        if name == "cry_ended" and self.labels is not None:
            self.labels.on_episode_end(record, at)
        data: protocol.EventData = {**episode_dict(record, self.tz), "stream_time": round(at, 3)}
        self.hub.broadcast(protocol.event_message(name, data))
        self.pushes.push_change()  # the protocol promises the state message right after the event

    def _push_state(self) -> None:
        self.hub.broadcast(protocol.state_message(self.state()))

    # -- other inputs --------------------------------------------------------------------------
    def _on_source_status(self, source: SourceLike) -> None:
        if (source.status, source.error) != (self.live.source_status, self.live.source_error):
            self.live.source_status, self.live.source_error = source.status, source.error
            self.pushes.push_change()

    def _on_climate(self, reading: ClimateReading) -> None:
        status_changed = reading.status != self.live.climate.status
        self.live.climate = reading
        self.pushes.mark(significant=status_changed)
        self.pushes.maybe_push()
