"""Cry tally: cry seconds per local day and an episode log in SQLite, safe across restarts."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

DB_FILE = "tally.db"
SCHEMA_VERSION = 1
# A running episode is published as it was last written, so a crash can take back nothing a
# client has seen; one small write a second keeps the published figure about a second behind.
CHECKPOINT_INTERVAL_S = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    start_utc TEXT NOT NULL,
    duration_s REAL NOT NULL,
    peak_score REAL NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS day_seconds (
    episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    seconds REAL NOT NULL,
    PRIMARY KEY (episode_id, day)
);
CREATE INDEX IF NOT EXISTS day_seconds_by_day ON day_seconds(day);
"""


@dataclass(frozen=True)
class EpisodeRecord:
    """One cry episode; `duration_s` comes from stream time, never from wall-clock differences."""

    id: int
    start: datetime  # aware
    duration_s: float
    peak_score: float
    ended: bool

    @property
    def end(self) -> datetime | None:
        return self.start + timedelta(seconds=self.duration_s) if self.ended else None


@dataclass(frozen=True)
class DayTotal:
    """Cry seconds and the number of episodes that cried on one local day."""

    day: date
    cry_seconds: float
    episodes: int


def split_by_day(start: datetime, duration_s: float, tz: tzinfo) -> list[tuple[date, float]]:
    """Seconds of [start, start + duration) that fall on each local day of `tz`."""
    cursor = start.astimezone(UTC)
    end = cursor + timedelta(seconds=max(0.0, duration_s))
    parts: list[tuple[date, float]] = []
    while True:
        local_day = cursor.astimezone(tz).date()
        midnight = datetime.combine(local_day + timedelta(days=1), datetime.min.time(), tz)
        boundary = min(end, midnight.astimezone(UTC))
        if boundary <= cursor:  # a zone whose midnight does not exist; never loop forever
            boundary = end
        parts.append((local_day, (boundary - cursor).total_seconds()))
        if boundary >= end:
            return parts
        cursor = boundary


def _timestamp() -> str:
    return datetime.now().strftime("%Y%m%dT%H%M%S")


class CryTally:
    """Persists episodes and per-day cry seconds; checkpoints the running episode every second.

    Every figure it reports (day totals, the last episode, history) is what is on disk, the running
    episode as of its last checkpoint: a restart never shows less than was reported before it.
    """

    def __init__(
        self,
        data_dir: Path,
        tz: tzinfo,
        *,
        checkpoint_interval: float = CHECKPOINT_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = data_dir / DB_FILE
        self.tz = tz
        self.moved_aside: Path | None = None
        self._interval = checkpoint_interval
        self._monotonic = monotonic
        self._running: EpisodeRecord | None = None  # the latest progress, in memory
        self._saved: EpisodeRecord | None = None  # the running episode as last written
        self._last_write = 0.0
        self._db = self._open()
        self._close_interrupted()

    # -- opening, corruption -------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as err:
            self.moved_aside = self._move_aside(err)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check}")
            db.executescript(_SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _move_aside(self, err: Exception) -> Path:
        target = self.path.with_name(f"{self.path.name}.corrupt-{_timestamp()}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.rename(Path(f"{target}{suffix}"))
        _LOGGER.warning(
            "CRY TALLY DATABASE %s IS CORRUPT (%s): moved it aside to %s and started a fresh one; "
            "earlier cry history is only in the moved file",
            self.path,
            err,
            target,
        )
        return target

    def _close_interrupted(self) -> None:
        """An episode left open by a crash ends at its last checkpoint: nothing counted twice."""
        rows = self._db.execute("SELECT id FROM episodes WHERE ended = 0").fetchall()
        for (episode_id,) in rows:
            self._db.execute("UPDATE episodes SET ended = 1 WHERE id = ?", (episode_id,))
            _LOGGER.info(
                "closed cry episode %s, interrupted by a restart, at its checkpoint", episode_id
            )

    def close(self) -> None:
        """Checkpoint the running episode and close the database."""
        if self._running is not None:
            self._write(self._running)
        self._db.close()

    # -- the running episode -------------------------------------------------------------------
    @property
    def running(self) -> EpisodeRecord | None:
        return self._running

    def start_episode(self, start: datetime, peak_score: float) -> EpisodeRecord:
        """Open an episode that began at wall time `start` (aware)."""
        if self._running is not None:
            self.end_episode(self._running.duration_s, self._running.peak_score)
        start_utc = start.astimezone(UTC)
        cursor = self._db.execute(
            "INSERT INTO episodes(start_utc, duration_s, peak_score, ended) VALUES (?, 0, ?, 0)",
            (start_utc.isoformat(), peak_score),
        )
        assert cursor.lastrowid is not None
        self._running = EpisodeRecord(int(cursor.lastrowid), start_utc, 0.0, peak_score, False)
        self._saved = self._running
        self._last_write = self._monotonic()
        return self._running

    def update_episode(self, duration_s: float, peak_score: float) -> None:
        """Record progress of the running episode; writes it once the checkpoint interval passed.

        `duration_s` should count only seconds known to be crying; it is never taken back.
        """
        if self._running is None:
            return
        self._running = replace(
            self._running,
            duration_s=max(self._running.duration_s, duration_s),
            peak_score=max(self._running.peak_score, peak_score),
        )
        if self._monotonic() - self._last_write >= self._interval:
            self._write(self._running)

    def end_episode(self, duration_s: float, peak_score: float) -> EpisodeRecord | None:
        """Close the running episode with its final duration (from stream time)."""
        if self._running is None:
            return None
        duration_s = max(0.0, duration_s)
        done = replace(self._running, duration_s=duration_s, peak_score=peak_score, ended=True)
        self._write(done)
        self._running = self._saved = None
        return done

    def _write(self, episode: EpisodeRecord) -> None:
        """Rewrite an episode and its per-day split; idempotent, so replays never double count."""
        with self._transaction():
            self._db.execute(
                "UPDATE episodes SET duration_s = ?, peak_score = ?, ended = ? WHERE id = ?",
                (episode.duration_s, episode.peak_score, int(episode.ended), episode.id),
            )
            self._db.execute("DELETE FROM day_seconds WHERE episode_id = ?", (episode.id,))
            self._db.executemany(
                "INSERT INTO day_seconds(episode_id, day, seconds) VALUES (?, ?, ?)",
                [
                    (episode.id, day.isoformat(), seconds)
                    for day, seconds in split_by_day(episode.start, episode.duration_s, self.tz)
                    if seconds > 0
                ],
            )
        self._last_write = self._monotonic()
        if not episode.ended:
            self._saved = episode

    def _transaction(self) -> sqlite3.Connection:
        self._db.execute("BEGIN")
        return self._db

    # -- queries -------------------------------------------------------------------------------
    def day_total(self, day: date) -> DayTotal:
        """Cry seconds and episodes on a local day, the running episode's last checkpoint included."""
        seconds, episodes = self._db.execute(
            "SELECT COALESCE(SUM(seconds), 0), COUNT(DISTINCT episode_id) FROM day_seconds "
            "WHERE day = ? AND seconds > 0",
            (day.isoformat(),),
        ).fetchone()
        return DayTotal(day, float(seconds), int(episodes))

    def last_episode(self) -> EpisodeRecord | None:
        """The running episode as last checkpointed, else the most recent ended one."""
        if self._saved is not None:
            return self._saved
        row = self._db.execute(
            "SELECT id, start_utc, duration_s, peak_score, ended FROM episodes "
            "WHERE ended = 1 ORDER BY start_utc DESC, id DESC LIMIT 1"
        ).fetchone()
        return _record(row) if row else None

    def history(self, days: int, today: date) -> tuple[list[DayTotal], list[EpisodeRecord]]:
        """Day totals oldest first (zero days too) and the episodes touching them, newest first."""
        first = today - timedelta(days=days - 1)
        totals = [self.day_total(first + timedelta(days=i)) for i in range(days)]
        rows = self._db.execute(
            "SELECT id, start_utc, duration_s, peak_score, ended FROM episodes WHERE id IN "
            "(SELECT episode_id FROM day_seconds WHERE day >= ? AND day <= ?) AND ended = 1 "
            "ORDER BY start_utc DESC, id DESC",
            (first.isoformat(), today.isoformat()),
        ).fetchall()
        episodes = [_record(row) for row in rows]
        if self._saved is not None:
            episodes.insert(0, self._saved)
        return totals, episodes

    def episode(self, episode_id: int) -> EpisodeRecord | None:
        """One episode by id (the running one as it stands), or None."""
        if self._running is not None and self._running.id == episode_id:
            return self._running
        row = self._db.execute(
            "SELECT id, start_utc, duration_s, peak_score, ended FROM episodes WHERE id = ?",
            (episode_id,),
        ).fetchone()
        return _record(row) if row else None

    def episodes_between(self, start: datetime, end: datetime) -> list[EpisodeRecord]:
        """Ended episodes that began in [start, end), oldest first."""
        rows = self._db.execute(
            "SELECT id, start_utc, duration_s, peak_score, ended FROM episodes "
            "WHERE ended = 1 AND start_utc >= ? AND start_utc < ? ORDER BY start_utc, id",
            (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()),
        ).fetchall()
        return [_record(row) for row in rows]


def _record(row: tuple[int, str, float, float, int]) -> EpisodeRecord:
    return EpisodeRecord(row[0], datetime.fromisoformat(row[1]), row[2], row[3], bool(row[4]))
