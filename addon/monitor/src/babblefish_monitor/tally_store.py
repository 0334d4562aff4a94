"""The tally's SQLite file: open, check, migrate, load and save, telling storage faults from corruption."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Iterable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from .tally_errors import CorruptError, StorageError, classify
from .tally_ledger import EpisodeRecord

_LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 2
# A write waits this long for another process's lock, then the episode stays pending in memory:
# the audio loop and /health must never wait seconds on a backup or a sqlite3 shell.
BUSY_TIMEOUT_S = 0.2

_TABLES = {
    "meta": {"key", "value"},
    "episodes": {"id", "start_utc", "duration_s", "peak_score", "ended"},
    "day_seconds": {"episode_id", "day", "seconds"},
}
_SCHEMA_V1 = """
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
# Schema version n -> n + 1; version 2 loads recent episodes by start time without a full scan.
MIGRATIONS: dict[int, str] = {
    1: "CREATE INDEX IF NOT EXISTS episodes_by_start ON episodes(start_utc);",
}


@dataclass(frozen=True)
class StoredEpisode:
    """One episodes row with its per-day split, as read back from the file."""

    id: int
    start: datetime
    duration_s: float
    peak_score: float
    ended: bool
    days: dict[date, float]

    def record(self) -> EpisodeRecord:
        """The episode as the tally keeps it in memory (the day split stays with the ledger)."""
        return EpisodeRecord(self.id, self.start, self.duration_s, self.peak_score, self.ended)


Row = tuple[int, str, float, float, bool, list[tuple[str, float]]]


def row_of(episode: EpisodeRecord, days: dict[date, float]) -> Row:
    """The episode as `save` writes it: UTC start text and the days it has seconds on."""
    split = [(day.isoformat(), seconds) for day, seconds in days.items() if seconds > 0]
    start = episode.start.astimezone(UTC).isoformat()
    return episode.id, start, episode.duration_s, episode.peak_score, episode.ended, split


def _parse(row: tuple[object, ...], days: dict[date, float]) -> StoredEpisode:
    """One row, checked: a row that does not parse marks the whole file as damaged."""
    episode_id, start_text, duration, peak, ended = row
    if not isinstance(episode_id, int) or not isinstance(start_text, str):
        raise CorruptError(f"episode row {row!r} is malformed")
    try:
        start = datetime.fromisoformat(start_text)
    except ValueError:
        raise CorruptError(f"episode {episode_id}: start {start_text!r} is not a time") from None
    if start.tzinfo is None:
        raise CorruptError(f"episode {episode_id}: start {start_text!r} has no time zone")
    for value in (duration, peak):
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise CorruptError(f"episode {episode_id}: {value!r} is not a duration or score")
    assert isinstance(duration, int | float) and isinstance(peak, int | float)
    return StoredEpisode(episode_id, start, float(duration), float(peak), bool(ended), days)


class TallyStore:
    """One SQLite connection with a short busy timeout; every failure comes out classified."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def open(self) -> list[StoredEpisode]:
        """Connect, check, migrate and read every episode; raises StorageError or CorruptError."""
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
            )
            return self._prepare(self._db)
        except (sqlite3.Error, OSError) as err:
            self.close()
            raise classify(err) from err
        except UnicodeDecodeError as err:  # SQLite's message quotes the damaged bytes
            self.close()
            raise CorruptError(f"damaged schema text: {err}") from err
        except CorruptError:
            self.close()
            raise

    def _prepare(self, db: sqlite3.Connection) -> list[StoredEpisode]:
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise CorruptError(f"integrity check failed: {check}")
        tables = {
            name: {col[1] for col in db.execute(f"PRAGMA table_info({name})")}
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not str(name).startswith("sqlite_")
        }
        if tables:
            self._check_schema(db, tables)
        else:
            db.executescript(_SCHEMA_V1)
            db.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")
        self._migrate(db)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        return self._load(db)

    @staticmethod
    def _check_schema(db: sqlite3.Connection, tables: dict[str, set[str]]) -> None:
        for name, columns in _TABLES.items():
            if not columns <= tables.get(name, set()):
                raise CorruptError(f"not a cry tally: table {name} missing or different")
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            version = int(row[0]) if row else 0
        except ValueError:
            version = 0
        if not 1 <= version <= SCHEMA_VERSION:
            raise CorruptError(
                f"schema version {row[0] if row else None!r} is not one this monitor reads"
            )

    @staticmethod
    def schema_version(db: sqlite3.Connection) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = self.schema_version(db)
        while version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(MIGRATIONS[version])
                version += 1
                db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),)
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            _LOGGER.info("cry tally %s migrated to schema version %d", self.path, version)

    @staticmethod
    def _load(db: sqlite3.Connection) -> list[StoredEpisode]:
        splits: dict[int, dict[date, float]] = {}
        for episode_id, day_text, seconds in db.execute(
            "SELECT episode_id, day, seconds FROM day_seconds"
        ):
            try:
                day = date.fromisoformat(day_text)
                value = float(seconds)
            except (TypeError, ValueError):
                raise CorruptError(
                    f"day row {(episode_id, day_text, seconds)!r} is malformed"
                ) from None
            if not math.isfinite(value) or value < 0:
                raise CorruptError(f"day row {(episode_id, day_text, seconds)!r} is malformed")
            splits.setdefault(episode_id, {})[day] = value
        rows = db.execute(
            "SELECT id, start_utc, duration_s, peak_score, ended FROM episodes ORDER BY id"
        ).fetchall()
        return [_parse(tuple(row), splits.get(row[0], {})) for row in rows]

    def save(self, episodes: Iterable[Row]) -> None:
        """Upsert episodes with their day split in one transaction; idempotent."""
        db = self._db
        if db is None:
            raise StorageError("io_error", "the database is not open")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for episode_id, start, duration, peak, ended, days in episodes:
                    db.execute(
                        "INSERT INTO episodes(id, start_utc, duration_s, peak_score, ended) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                        "duration_s = excluded.duration_s, peak_score = excluded.peak_score, "
                        "ended = excluded.ended",
                        (episode_id, start, duration, peak, int(ended)),
                    )
                    db.execute("DELETE FROM day_seconds WHERE episode_id = ?", (episode_id,))
                    db.executemany(
                        "INSERT INTO day_seconds(episode_id, day, seconds) VALUES (?, ?, ?)",
                        [(episode_id, day, seconds) for day, seconds in days],
                    )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, OSError) as err:
            raise classify(err) from err
        except UnicodeDecodeError as err:
            raise CorruptError(f"damaged text: {err}") from err

    def close(self) -> None:
        if self._db is not None:
            with suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def rename_aside(path: Path, stamp: str) -> Path:
    """Rename an SQLite file with its WAL and shared-memory parts to `<name>.corrupt-<stamp>`."""
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            part.rename(Path(f"{target}{suffix}"))
    return target


def move_aside(path: Path, reason: str, stamp: str) -> Path:
    """Move the damaged tally aside (`rename_aside`) and say so loudly in the log."""
    target = rename_aside(path, stamp)
    _LOGGER.warning(
        "CRY TALLY DATABASE %s IS CORRUPT OR NOT A CRY TALLY (%s): moved it aside to %s and started a fresh one; "
        "episodes that could be read were copied over",
        path,
        reason,
        target,
    )
    return target


def salvage(path: Path) -> list[StoredEpisode]:
    """Whatever episodes a damaged file still yields, row by row; never raises."""
    found: list[StoredEpisode] = []
    try:
        with closing(
            sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
        ) as db:
            rows = db.execute(
                "SELECT id, start_utc, duration_s, peak_score, ended FROM episodes"
            ).fetchall()
            for row in rows:
                try:
                    found.append(_parse(tuple(row), {}))
                except CorruptError:
                    continue
    except (sqlite3.Error, OSError, ValueError):
        pass
    return found
