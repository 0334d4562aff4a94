"""Episode bookkeeping: the detector's cry events become tally records, cry clips and events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import numpy.typing as npt

from babblefish_monitor.api.protocol import EventName
from babblefish_monitor.audio.detector import CryEvent, Episode
from babblefish_monitor.audio.pipeline import PipelineOutput
from babblefish_monitor.clips import ClipRecorder
from babblefish_monitor.tally import CryTally, EpisodeRecord

PublishEvent = Callable[[EventName, EpisodeRecord, float], None]


class EpisodeBook:
    """Opens, advances and closes the tally's episode as the detector decides, and says so."""

    def __init__(
        self,
        tally: CryTally,
        clips: ClipRecorder | None,
        *,
        wall_of: Callable[[float], datetime],
        publish: PublishEvent,
    ) -> None:
        self.tally = tally
        self.clips = clips
        self._wall_of = wall_of
        self._publish = publish
        self.crying = False

    def feed(self, block: npt.NDArray[np.int16]) -> None:
        """Every audio block passes here, so an opted-in clip can include the pre-roll."""
        if self.clips is not None:
            self.clips.feed(block)

    def fold(self, output: PipelineOutput, running: Episode | None) -> bool:
        """Apply a block's events and advance the running episode; True when one is running.

        A running episode counts only up to the last moment known to be crying: the hang-over
        after it may yet turn out to be silence, and a figure once published is never taken back.
        """
        for event in output.events:
            if event.kind == "cry_started":
                self._start(event)
            elif self.crying:
                self._end(event)
        if not self.crying or running is None:
            return False
        self.tally.update_episode(running.known_duration, running.peak_score)
        return True

    def end_now(self, stream_time: float) -> bool:
        """End a running episode where it was last known to be crying (the audio stopped or
        failed at `stream_time`); True when one was running."""
        running = self.tally.running
        if not self.crying or running is None:
            return False
        record = self.tally.end_episode(running.duration_s, running.peak_score)
        self.crying = False
        if self.clips is not None:
            self.clips.stop()
        if record is not None:
            self._publish("cry_ended", record, stream_time)
        return True

    def close(self) -> None:
        """Stop an open clip; the tally checkpoints itself when it closes."""
        if self.clips is not None:
            self.clips.stop()

    def _start(self, event: CryEvent) -> None:
        wall_start = self._wall_of(event.start)
        record = self.tally.start_episode(wall_start, event.peak_score)
        self.crying = True
        if self.clips is not None:
            self.clips.start(wall_start, event.stream_time - event.start)
        self._publish("cry_started", record, event.stream_time)

    def _end(self, event: CryEvent) -> None:
        end = event.end if event.end is not None else event.stream_time
        record = self.tally.end_episode(end - event.start, event.peak_score)
        self.crying = False
        if self.clips is not None:
            self.clips.stop()
        if record is not None:
            self._publish("cry_ended", record, event.stream_time)
