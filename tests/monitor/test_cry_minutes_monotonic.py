"""Cry minutes today and the last episode's duration only grow: many episodes, a kill, midnight.

The real pipeline (tone model), episode bookkeeping and SQLite tally, fed block by block; after
every block the figures a client would be sent are read the way the API builds them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pytest
from babblefish_monitor.api.state import LiveState, build_state
from babblefish_monitor.audio.detector import CryEvent, DetectorConfig
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import Pipeline
from babblefish_monitor.episodes import EpisodeBook
from babblefish_monitor.tally import CryTally, EpisodeRecord
from tone_model import CRY_HZ, quiet, tone

BERLIN = ZoneInfo("Europe/Berlin")
BLOCK = 4_000  # 0.25 s, as the service reads
# A hang-over long enough that a kill can land inside it, and a merge gap that joins close cries.
DETECTOR = DetectorConfig(hangover_seconds=3.0, merge_gap_seconds=4.0)


def night(*parts: tuple[str, float]) -> npt.NDArray[np.int16]:
    audio = [
        tone(CRY_HZ, seconds) if kind == "cry" else quiet(seconds, seed=i)
        for i, (kind, seconds) in enumerate(parts)
    ]
    return np.concatenate(audio)


@dataclass
class Sample:
    """What the API would publish after one block."""

    day: str
    cry_seconds_today: float
    last_start: str | None
    last_duration: float | None


@dataclass
class Monitor:
    """A monitor run: the stream starts at `wall_base`; the tally's clock is the stream's."""

    model_dir: Path
    data_dir: Path
    wall_base: datetime
    samples: list[Sample] = field(default_factory=list)
    ended: list[EpisodeRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pipeline = Pipeline(load_model_dir(self.model_dir), DETECTOR)
        self.tally = CryTally(self.data_dir, BERLIN, monotonic=lambda: self.pipeline.stream_time)
        self.book = EpisodeBook(self.tally, None, wall_of=self.wall_of, publish=self._published)

    def wall_of(self, stream_time: float) -> datetime:
        return self.wall_base + timedelta(seconds=stream_time)

    def _published(self, name: str, record: EpisodeRecord, _at: float) -> None:
        if name == "cry_ended":
            self.ended.append(record)

    def feed(self, audio: npt.NDArray[np.int16]) -> None:
        for i in range(0, audio.size, BLOCK):
            output = self.pipeline.process(audio[i : i + BLOCK])
            self.book.fold(output, self.pipeline.current_episode)
            self.sample()

    def finish(self) -> None:
        self.book.fold(self.pipeline.flush(), None)
        self.sample()

    def sample(self) -> None:
        state = build_state(LiveState(), self.tally, self.wall_of(self.pipeline.stream_time))
        last = state["last_episode"]
        self.samples.append(
            Sample(
                state["day"],
                state["cry_seconds_today"],
                last["start"] if last else None,
                last["duration_s"] if last else None,
            )
        )


def assert_never_backwards(samples: list[Sample]) -> None:
    for before, after in itertools.pairwise(samples):
        if after.day == before.day:
            assert after.cry_seconds_today >= before.cry_seconds_today, (before, after)
        if after.last_start == before.last_start and before.last_duration is not None:
            assert after.last_duration is not None
            assert after.last_duration >= before.last_duration, (before, after)


@pytest.fixture
def at_noon(tone_model_dir: Path, tmp_path: Path) -> Monitor:
    return Monitor(tone_model_dir, tmp_path, datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN))


def test_many_episodes_only_grow_and_end_exact(at_noon: Monitor) -> None:
    cries = [4.0, 9.0, 2.0, 6.0, 12.0]
    parts: list[tuple[str, float]] = [("quiet", 2.0)]
    for seconds in cries:
        parts += [("cry", seconds), ("quiet", 10.0)]
    parts += [("cry", 3.0), ("quiet", 2.0), ("cry", 3.0), ("quiet", 10.0)]  # merged: one episode
    at_noon.feed(night(*parts))
    at_noon.finish()

    assert_never_backwards(at_noon.samples)
    durations = [e.duration_s for e in at_noon.ended]
    assert len(durations) == len(cries) + 1
    for measured, true in zip(durations, [*cries, 8.0], strict=True):
        assert measured == pytest.approx(true, abs=1.0)
    final = at_noon.samples[-1]
    assert final.cry_seconds_today == pytest.approx(sum(durations), abs=0.1)
    # Every episode's last published running figure is at most its final, exact duration.
    for record in at_noon.ended:
        start = record.start.astimezone(BERLIN).isoformat()
        running = [s.last_duration for s in at_noon.samples if s.last_start == start]
        assert running[-1] == pytest.approx(record.duration_s, abs=0.01)


def test_kill_in_the_hang_over_stores_no_more_than_the_cry(
    at_noon: Monitor, tone_model_dir: Path, tmp_path: Path
) -> None:
    at_noon.feed(night(("quiet", 2.0), ("cry", 6.0), ("quiet", 2.5)))  # hang-over undecided
    assert at_noon.book.crying
    published = at_noon.samples[-1]
    # Killed: nothing is closed or checkpointed; the next run opens the same database.
    restarted = Monitor(tone_model_dir, tmp_path, at_noon.wall_of(at_noon.pipeline.stream_time))
    restarted.sample()
    after = restarted.samples[-1]
    assert after.last_start == published.last_start
    assert after.last_duration is not None and after.last_duration <= 6.0 + 1.0
    assert after.cry_seconds_today >= published.cry_seconds_today
    restarted.feed(night(("cry", 5.0), ("quiet", 8.0)))
    restarted.finish()
    assert_never_backwards([*at_noon.samples, *restarted.samples])
    total = restarted.samples[-1].cry_seconds_today
    assert total == pytest.approx(after.cry_seconds_today + restarted.ended[0].duration_s, abs=0.1)


def test_midnight_splits_a_running_episode_and_each_day_only_grows(
    tone_model_dir: Path, tmp_path: Path
) -> None:
    evening = Monitor(tone_model_dir, tmp_path, datetime(2026, 11, 20, 23, 59, 45, tzinfo=BERLIN))
    evening.feed(night(("quiet", 5.0), ("cry", 30.0), ("quiet", 8.0)))
    evening.finish()

    assert_never_backwards(evening.samples)
    days = [s.day for s in evening.samples]
    assert days[0] == "2026-11-20" and days[-1] == "2026-11-21"
    episode = evening.ended[0]
    assert episode.duration_s == pytest.approx(30.0, abs=1.0)
    (day_before, day_after), _ = evening.tally.history(2, date(2026, 11, 21))
    assert day_before.cry_seconds == pytest.approx(10.0, abs=1.0)
    assert day_before.cry_seconds + day_after.cry_seconds == pytest.approx(episode.duration_s)
    assert evening.samples[-1].cry_seconds_today == pytest.approx(day_after.cry_seconds, abs=0.1)
    # The evening's last published figure may trail its exact total by the time it takes to know
    # that the crying went on (about a window and a checkpoint), never exceed it.
    last_of_evening = max(s.cry_seconds_today for s in evening.samples if s.day == "2026-11-20")
    assert day_before.cry_seconds - 2.0 <= last_of_evening <= day_before.cry_seconds + 0.05


def test_events_and_published_episode_agree(at_noon: Monitor) -> None:
    """The cry_ended record is the detector's episode: start and end where crying was heard."""
    events: list[CryEvent] = []
    audio = night(("quiet", 3.0), ("cry", 5.0), ("quiet", 10.0))
    for i in range(0, audio.size, BLOCK):
        output = at_noon.pipeline.process(audio[i : i + BLOCK])
        events += output.events
        at_noon.book.fold(output, at_noon.pipeline.current_episode)
    ended = next(e for e in events if e.kind == "cry_ended")
    assert at_noon.ended[0].duration_s == pytest.approx(ended.duration or 0.0)
