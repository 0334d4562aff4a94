"""Cry tally: per-day seconds, midnight splits, restarts mid-episode, clock jumps, corrupt files."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babblefish_monitor.tally import CHECKPOINT_INTERVAL_S, DB_FILE, CryTally
from babblefish_monitor.tally_ledger import split_by_day

BERLIN = ZoneInfo("Europe/Berlin")


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def on_disk_duration(data_dir: Path) -> float:
    """What another connection (a crash survivor) would read for the first episode."""
    with closing(sqlite3.connect(data_dir / DB_FILE)) as db:
        return float(db.execute("SELECT duration_s FROM episodes").fetchone()[0])


def on_disk_duration_of(tally: CryTally) -> float:
    """The running episode's duration as another connection reads it."""
    assert tally.running is not None
    with closing(sqlite3.connect(tally.path)) as db:
        row = db.execute("SELECT duration_s FROM episodes WHERE id = ?", (tally.running.id,))
        return float(row.fetchone()[0])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def test_split_by_day_across_midnight_and_dst() -> None:
    parts = split_by_day(at("2026-11-20T23:59:50"), 30.0, BERLIN)
    assert parts == [(date(2026, 11, 20), 10.0), (date(2026, 11, 21), 20.0)]
    # The night clocks go back, that local day has 25 hours; 3 h from 23:00 still ends on the 25th.
    parts = split_by_day(at("2026-10-24T23:00:00"), 3 * 3600.0, BERLIN)
    assert parts == [(date(2026, 10, 24), 3600.0), (date(2026, 10, 25), 7200.0)]
    assert split_by_day(at("2026-11-20T10:00:00"), -5.0, BERLIN) == [(date(2026, 11, 20), 0.0)]


def test_episode_counts_and_history(tmp_path: Path) -> None:
    clock = FakeMonotonic()
    tally = CryTally(tmp_path, BERLIN, monotonic=clock)
    tally.start_episode(at("2026-11-19T02:00:00"), 0.8)
    tally.end_episode(60.0, 0.9)
    tally.start_episode(at("2026-11-20T03:00:00"), 0.7)
    tally.update_episode(20.0, 0.95)
    # A running episode is reported as last written, so a crash cannot take back what was shown.
    assert tally.day_total(date(2026, 11, 20)).cry_seconds == 0.0
    clock.now += CHECKPOINT_INTERVAL_S
    tally.update_episode(20.0, 0.95)
    assert tally.day_total(date(2026, 11, 20)).cry_seconds == 20.0 == on_disk_duration_of(tally)
    assert tally.day_total(date(2026, 11, 20)).episodes == 1
    assert tally.last_episode() is tally.running
    tally.end_episode(30.0, 0.96)
    totals, episodes = tally.history(3, date(2026, 11, 20))
    assert [(t.day.day, t.cry_seconds, t.episodes) for t in totals] == [
        (18, 0.0, 0),
        (19, 60.0, 1),
        (20, 30.0, 1),
    ]
    assert [e.duration_s for e in episodes] == [30.0, 60.0]
    last = tally.last_episode()
    assert last is not None and last.end == last.start + timedelta(seconds=30)
    tally.close()


def test_restart_mid_episode_across_midnight_loses_and_doubles_nothing(tmp_path: Path) -> None:
    clock = FakeMonotonic()
    tally = CryTally(tmp_path, BERLIN, checkpoint_interval=5.0, monotonic=clock)
    tally.start_episode(at("2026-11-20T23:59:40"), 0.9)
    for second in range(1, 41):  # 40 s of crying, 23:59:40 -> 00:00:20
        clock.now += 1.0
        tally.update_episode(float(second), 0.9)
    # Crash without close(): only checkpoints survive (at most 5 s old).
    tally._store.close()  # type: ignore[union-attr]

    reopened = CryTally(tmp_path, BERLIN, monotonic=clock)
    assert reopened.running is None
    day1 = reopened.day_total(date(2026, 11, 20)).cry_seconds
    day2 = reopened.day_total(date(2026, 11, 21)).cry_seconds
    assert day1 == 20.0
    assert 35.0 <= day1 + day2 <= 40.0
    # The cry goes on after the restart: a new episode, counted from its own start only.
    reopened.start_episode(at("2026-11-21T00:00:25"), 0.9)
    reopened.end_episode(10.0, 0.9)
    assert reopened.day_total(date(2026, 11, 21)).cry_seconds == day2 + 10.0
    reopened.close()
    again = CryTally(tmp_path, BERLIN)
    assert again.day_total(date(2026, 11, 21)).cry_seconds == day2 + 10.0
    assert again.day_total(date(2026, 11, 21)).episodes == 2
    again.close()


def test_checkpoint_every_interval(tmp_path: Path) -> None:
    clock = FakeMonotonic()
    tally = CryTally(tmp_path, UTC, checkpoint_interval=5.0, monotonic=clock)
    tally.start_episode(datetime(2026, 11, 20, 12, tzinfo=UTC), 0.9)
    clock.now += 4.9
    tally.update_episode(4.9, 0.9)
    assert on_disk_duration(tmp_path) == 0.0
    clock.now += 0.2
    tally.update_episode(5.1, 0.9)
    assert on_disk_duration(tmp_path) == 5.1
    clock.now += 5.0
    tally.update_episode(4.0, 0.9)  # a smaller figure later never takes back what was recorded
    assert on_disk_duration(tmp_path) == 5.1
    tally.close()


def test_durations_never_negative_or_huge(tmp_path: Path) -> None:
    """Durations come from stream time; a wall-clock jump only moves the day an episode lands on."""
    tally = CryTally(tmp_path, UTC)
    tally.start_episode(datetime(2026, 11, 20, 12, tzinfo=UTC), 0.9)
    tally.update_episode(-3.0, 0.9)  # a confused caller cannot make time run backwards
    assert tally.running is not None and tally.running.duration_s == 0.0
    tally.end_episode(12.0, 0.9)
    # Wall clock jumped back a year (a Pi booting without RTC, then NTP): counts stay sane.
    tally.start_episode(datetime(2025, 11, 20, 12, tzinfo=UTC), 0.9)
    tally.end_episode(8.0, 0.9)
    assert tally.day_total(date(2026, 11, 20)).cry_seconds == 12.0
    assert tally.day_total(date(2025, 11, 20)).cry_seconds == 8.0
    tally.close()


def test_corrupt_database_is_moved_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / DB_FILE).write_bytes(b"this is not a database, just bytes " * 200)
    with caplog.at_level(logging.WARNING):
        tally = CryTally(tmp_path, UTC)
    assert tally.moved_aside is not None and tally.moved_aside.is_file()
    assert tally.moved_aside.name.startswith(f"{DB_FILE}.corrupt-")
    assert "CORRUPT" in caplog.text
    tally.start_episode(datetime(2026, 11, 20, 12, tzinfo=UTC), 0.9)
    tally.end_episode(5.0, 0.9)
    assert tally.day_total(date(2026, 11, 20)).cry_seconds == 5.0
    tally.close()


def test_truncated_database_is_moved_aside(tmp_path: Path) -> None:
    tally = CryTally(tmp_path, UTC)
    for hour in range(20):
        tally.start_episode(datetime(2026, 11, 20, hour, tzinfo=UTC), 0.9)
        tally.end_episode(5.0, 0.9)
    tally.close()
    data = (tmp_path / DB_FILE).read_bytes()
    (tmp_path / DB_FILE).write_bytes(data[:100] + b"\xff" * 4000 + data[4100:])
    fresh = CryTally(tmp_path, UTC)
    assert fresh.moved_aside is not None
    assert fresh.day_total(date(2026, 11, 20)).cry_seconds == 0.0
    fresh.close()
