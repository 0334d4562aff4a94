"""The tally under storage faults: locks, a full or read-only disk, bad rows, foreign files, damage."""

from __future__ import annotations

import random
import sqlite3
import time
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babblefish_monitor.tally import DB_FILE, CryTally
from babblefish_monitor.tally_store import SCHEMA_VERSION
from fault_mounts import small_disk
from test_tally import FakeMonotonic as Clock

DAY = date(2026, 11, 20)
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE episodes (id INTEGER PRIMARY KEY AUTOINCREMENT, start_utc TEXT NOT NULL,
    duration_s REAL NOT NULL, peak_score REAL NOT NULL, ended INTEGER NOT NULL DEFAULT 0);
CREATE TABLE day_seconds (episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    day TEXT NOT NULL, seconds REAL NOT NULL, PRIMARY KEY (episode_id, day));
INSERT INTO meta VALUES ('schema_version', '1');
"""


def at_hour(hour: int) -> datetime:
    return datetime(2026, 11, 20, hour, tzinfo=UTC)


def recovers_and_saves(tally: CryTally, clock: Clock, data_dir: Path, seconds: float) -> None:
    """Once the disk is fixed, the next retry saves everything that was counted meanwhile."""
    clock.now += 5.0
    tally.maintain()
    assert tally.storage.status == "ok"
    tally.close()
    assert saved_seconds(data_dir) == seconds


def saved_seconds(data_dir: Path) -> float:
    """What a fresh reader of the file (the next start) would count for DAY."""
    with closing(sqlite3.connect(data_dir / DB_FILE)) as db:
        row = db.execute("SELECT SUM(seconds) FROM day_seconds WHERE day = ?", (DAY.isoformat(),))
        return float(row.fetchone()[0] or 0.0)


def twenty_episodes(data_dir: Path) -> None:
    tally = CryTally(data_dir, UTC)
    for hour in range(20):
        tally.start_episode(at_hour(hour), 0.9)
        tally.end_episode(5.0, 0.9)
    tally.close()


def test_a_locked_database_never_blocks_and_is_saved_once_free(tmp_path: Path) -> None:
    clock = Clock()
    tally = CryTally(tmp_path, UTC, monotonic=clock)
    with closing(sqlite3.connect(tmp_path / DB_FILE, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        started = time.perf_counter()
        tally.start_episode(at_hour(3), 0.9)
        tally.end_episode(12.0, 0.9)
        assert time.perf_counter() - started < 1.0
        assert tally.storage.status == "locked" and "locked" in (tally.storage.error or "")
        assert tally.storage.unsaved_episodes == 1 and tally.storage.unsaved_seconds == 12.0
        assert tally.day_total(DAY).cry_seconds == 12.0  # the API still reports the truth
        other.execute("ROLLBACK")
    clock.now += 5.0
    tally.maintain()
    assert tally.storage.status == "ok" and tally.storage.unsaved_episodes == 0
    assert saved_seconds(tmp_path) == 12.0
    tally.close()


def test_full_disk_keeps_counting_and_flushes_when_space_returns(tmp_path: Path) -> None:
    clock = Clock()
    with small_disk(tmp_path / "disk") as disk:
        tally = CryTally(disk.path, UTC, monotonic=clock)
        tally.start_episode(at_hour(1), 0.9)
        tally.end_episode(4.0, 0.9)
        disk.fill()
        for hour in range(2, 12):  # enough rows that SQLite needs new pages
            tally.start_episode(at_hour(hour), 0.9)
            tally.end_episode(3.0, 0.9)
            clock.now += 3.0
        assert tally.storage.status in ("full", "io_error")
        assert tally.day_total(DAY).cry_seconds == 34.0
        assert tally.moved_aside is None  # a full disk is not a damaged file
        disk.free()
        recovers_and_saves(tally, clock, disk.path, 34.0)
        assert not list(disk.path.glob("*.corrupt-*"))


def test_starting_on_a_read_only_disk_keeps_the_file_and_counts(tmp_path: Path) -> None:
    """A disk remounted read-only (Linux refuses that while a file is open for writing, so the
    tally meets it at start, as after a reboot) keeps the file, counts, and saves once writable."""
    clock = Clock()
    with small_disk(tmp_path / "disk") as disk:
        CryTally(disk.path, UTC).close()
        before = (disk.path / DB_FILE).read_bytes()
        disk.read_only()
        tally = CryTally(disk.path, UTC, monotonic=clock)
        tally.start_episode(at_hour(2), 0.9)
        tally.end_episode(7.0, 0.9)
        assert tally.day_total(DAY).cry_seconds == 7.0
        assert tally.moved_aside is None and (disk.path / DB_FILE).read_bytes() == before
        disk.read_write()
        recovers_and_saves(tally, clock, disk.path, 7.0)


def test_a_row_that_does_not_parse_is_moved_aside_and_the_rest_kept(tmp_path: Path) -> None:
    twenty_episodes(tmp_path)
    with closing(sqlite3.connect(tmp_path / DB_FILE)) as db:
        db.execute("UPDATE episodes SET start_utc = 'yesterday-ish' WHERE id = 3")
        db.commit()
    tally = CryTally(tmp_path, UTC)
    assert tally.moved_aside is not None and tally.storage.moved_reason is not None
    assert "yesterday-ish" in tally.storage.moved_reason
    assert tally.day_total(DAY).cry_seconds == 95.0  # 19 good episodes of 5 s came over
    tally.close()
    assert saved_seconds(tmp_path) == 95.0


def test_a_foreign_sqlite_file_is_moved_aside_not_a_crash_loop(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / DB_FILE)) as db:
        db.execute("CREATE TABLE recipes (name TEXT, minutes INTEGER)")
        db.commit()
    tally = CryTally(tmp_path, UTC)
    assert tally.moved_aside is not None and "not a cry tally" in str(tally.storage.moved_reason)
    tally.start_episode(at_hour(1), 0.9)
    tally.end_episode(2.0, 0.9)
    tally.close()
    assert CryTally(tmp_path, UTC).day_total(DAY).cry_seconds == 2.0


def test_a_newer_schema_is_moved_aside(tmp_path: Path) -> None:
    CryTally(tmp_path, UTC).close()
    with closing(sqlite3.connect(tmp_path / DB_FILE)) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
        db.commit()
    tally = CryTally(tmp_path, UTC)
    assert tally.moved_aside is not None and "'99'" in str(tally.storage.moved_reason)
    tally.close()


def test_version_1_file_is_migrated_in_place(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / DB_FILE)) as db:
        db.executescript(V1_SCHEMA)
        db.execute("INSERT INTO episodes VALUES (7, ?, 30.0, 0.9, 1)", (at_hour(4).isoformat(),))
        db.execute("INSERT INTO day_seconds VALUES (7, ?, 30.0)", (DAY.isoformat(),))
        db.commit()
    tally = CryTally(tmp_path, UTC)
    assert tally.moved_aside is None and tally.day_total(DAY).cry_seconds == 30.0
    tally.start_episode(at_hour(5), 0.9)  # new ids continue after the file's
    assert tally.running is not None and tally.running.id == 8
    tally.close()
    with closing(sqlite3.connect(tmp_path / DB_FILE)) as db:
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert int(version[0]) == SCHEMA_VERSION == 2 and "episodes_by_start" in indexes


@pytest.mark.parametrize("seed", range(20))
def test_random_damage_always_starts_clean(tmp_path: Path, seed: int) -> None:
    """Eight flipped bytes anywhere: the tally opens, answers every query, and saves again."""
    twenty_episodes(tmp_path)
    data = bytearray((tmp_path / DB_FILE).read_bytes())
    rng = random.Random(seed)
    for _ in range(8):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    (tmp_path / DB_FILE).write_bytes(bytes(data))
    tally = CryTally(tmp_path, UTC)
    total = tally.day_total(DAY)
    assert 0.0 <= total.cry_seconds <= 100.0
    tally.history(7, DAY + timedelta(days=1))
    tally.last_episode()
    tally.start_episode(at_hour(21), 0.9)
    tally.end_episode(10.0, 0.9)
    assert tally.storage.status == "ok", tally.storage.error
    tally.close()
    again = CryTally(tmp_path, UTC)
    assert again.day_total(DAY).cry_seconds == pytest.approx(total.cry_seconds + 10.0)
    again.close()
