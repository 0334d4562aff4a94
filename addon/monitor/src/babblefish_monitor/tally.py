"""Cry tally: cry seconds per local day and an episode log, kept in memory and saved to SQLite."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal

from .tally_store import (
    CorruptError,
    StorageError,
    StoredEpisode,
    TallyStore,
    move_aside,
    salvage,
)

_LOGGER = logging.getLogger(__name__)

DB_FILE = "tally.db"
# A running episode is published as it was last checkpointed, so a crash can take back nothing a
# client has seen; one small write a second keeps the published figure about a second behind.
CHECKPOINT_INTERVAL_S = 1.0
RETRY_INTERVAL_S = 2.0  # how often a failing disk is tried again while episodes wait


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


StorageStatus = Literal["ok", "locked", "full", "read_only", "io_error"]


@dataclass
class StorageState:
    """How saving is going: what is wrong, what is not on disk yet, what was moved aside."""

    status: StorageStatus = "ok"
    error: str | None = None
    unsaved_episodes: int = 0
    unsaved_seconds: float = 0.0
    moved_aside: Path | None = None
    moved_reason: str | None = None
    changes: int = field(default=0, compare=False)  # bumped on every change, for pushes


class CryTally:
    """Episodes and per-day cry seconds in memory, saved to SQLite; a failing disk never stops it.

    Queries never touch the file, so a locked, full or damaged database cannot make the API fail.
    Writes that fail stay pending in memory and are retried until the disk takes them. Every
    figure reported counts the running episode as of its last checkpoint: with a working disk a
    restart never shows less than was reported before it.
    """

    def __init__(
        self,
        data_dir: Path,
        tz: tzinfo,
        *,
        checkpoint_interval: float = CHECKPOINT_INTERVAL_S,
        retry_interval: float = RETRY_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = data_dir / DB_FILE
        self.tz = tz
        self.storage = StorageState()
        self._interval = checkpoint_interval
        self._retry_interval = retry_interval
        self._monotonic = monotonic
        self._episodes: dict[int, EpisodeRecord] = {}
        self._days_of: dict[int, dict[date, float]] = {}
        self._by_day: dict[date, dict[int, float]] = {}
        self._pending: dict[int, EpisodeRecord] = {}
        self._saved_s: dict[int, float] = {}
        self._latest_ended: EpisodeRecord | None = None
        self._running: EpisodeRecord | None = None  # the latest progress
        self._checkpoint: EpisodeRecord | None = None  # the running episode as last published
        self._store: TallyStore | None = None
        self._file_known = False  # ids are only safe to hand out once the file's are known
        self._last_write = 0.0
        self._next_retry = float("-inf")
        self._open_store()

    @property
    def moved_aside(self) -> Path | None:
        return self.storage.moved_aside

    # -- the file ------------------------------------------------------------------------------
    def _open_store(self) -> bool:
        store = TallyStore(self.path)
        try:
            try:
                rows = store.open()
            except CorruptError as err:
                rows = self._replace_damaged(store, str(err))
        except StorageError as err:
            self._failed(err)
            return False
        self._store = store
        self._adopt(rows)
        self._flush()
        return True

    def _replace_damaged(self, store: TallyStore, reason: str) -> list[StoredEpisode]:
        """Move the unreadable file aside, start a fresh one, and bring over what can be read."""
        rescued = salvage(self.path)
        try:
            target = move_aside(self.path, reason, _timestamp())
        except OSError as err:
            raise StorageError("read_only", f"cannot move the damaged file aside: {err}") from err
        self.storage.moved_aside, self.storage.moved_reason = target, reason
        self._changed()
        fresh = store.open()
        assert not fresh
        for episode in rescued:
            self._put(_from_stored(episode), stored_days=None)
            self._pending[episode.id] = self._episodes[episode.id]
        self._file_known = True
        return []

    def _adopt(self, rows: list[StoredEpisode]) -> None:
        """Take the file's episodes; episodes counted before the file could be read get new ids."""
        offline = (
            sorted(self._episodes.values(), key=lambda e: e.id) if not self._file_known else []
        )
        if not self._file_known:
            for table in (
                self._episodes,
                self._days_of,
                self._by_day,
                self._pending,
                self._saved_s,
            ):
                table.clear()
            self._latest_ended = None
        for row in rows:
            record = _from_stored(row)
            if not record.ended:  # left open by a crash: it ends at its last checkpoint
                _LOGGER.info(
                    "closed cry episode %s, interrupted by a restart, at its checkpoint", row.id
                )
                record = replace(record, ended=True)
                self._pending[record.id] = record
            self._put(record, stored_days=row.days or None)
            self._saved_s[record.id] = record.duration_s
        next_id = max(self._episodes, default=0) + 1
        for episode in offline:
            moved = replace(episode, id=next_id)
            next_id += 1
            self._put(moved, stored_days=None)
            self._pending[moved.id] = moved
            if self._running is not None and self._running.id == episode.id:
                self._running = replace(self._running, id=moved.id)
                self._checkpoint = moved
        self._file_known = True

    def _flush(self) -> None:
        """Try to save every pending episode now."""
        if not self._pending:
            return
        if self._store is None and not self._open_store():
            return
        assert self._store is not None
        batch = list(self._pending.values())
        try:
            self._store.save(self._row(e) for e in batch)
        except StorageError as err:
            self._failed(err)
            return
        except CorruptError as err:
            self._store.close()
            self._store = None
            self._pending = dict(self._episodes)  # the memory copy is complete: write it all again
            self._saved_s.clear()
            try:
                self._replace_damaged(TallyStore(self.path), str(err))
            except StorageError as storage_err:
                self._failed(storage_err)
                return
            self._store = TallyStore(self.path)
            self._store.open()
            self._flush()
            return
        for episode in batch:
            self._saved_s[episode.id] = episode.duration_s
            if self._pending.get(episode.id) is episode:
                del self._pending[episode.id]
        self._last_write = self._monotonic()
        self._recovered()

    def _row(
        self, e: EpisodeRecord
    ) -> tuple[int, str, float, float, bool, list[tuple[str, float]]]:
        days = [(day.isoformat(), s) for day, s in self._days_of.get(e.id, {}).items() if s > 0]
        return e.id, e.start.astimezone(UTC).isoformat(), e.duration_s, e.peak_score, e.ended, days

    def _failed(self, err: StorageError) -> None:
        self._next_retry = self._monotonic() + self._retry_interval
        message = str(err)
        if self.storage.status != err.problem:
            _LOGGER.warning(
                "CRY TALLY NOT SAVED: %s; detection goes on and counts in memory, "
                "saving again once the disk allows",
                message,
            )
        self.storage.status, self.storage.error = err.problem, message
        self._update_unsaved()

    def _recovered(self) -> None:
        if self.storage.status != "ok":
            _LOGGER.warning("cry tally saved again (%s is fixed)", self.storage.error)
            self.storage.status, self.storage.error = "ok", None
        self._update_unsaved()

    def _update_unsaved(self) -> None:
        unsaved = sum(
            max(0.0, e.duration_s - self._saved_s.get(e.id, 0.0)) for e in self._pending.values()
        )
        new = (len(self._pending), round(unsaved, 1))
        if new != (self.storage.unsaved_episodes, self.storage.unsaved_seconds):
            self.storage.unsaved_episodes, self.storage.unsaved_seconds = new
        self._changed()

    def _changed(self) -> None:
        self.storage.changes += 1

    def _save(self, episode: EpisodeRecord) -> None:
        self._pending[episode.id] = episode
        if self.storage.status != "ok" and self._monotonic() < self._next_retry:
            self._update_unsaved()
            return
        self._flush()

    def maintain(self) -> None:
        """Retry saving pending episodes once the back-off allows; call about once a second."""
        if self._pending and self._monotonic() >= self._next_retry:
            self._flush()

    def close(self) -> None:
        """Checkpoint the running episode, save what can be saved, say what could not."""
        if self._running is not None:
            self._pending[self._running.id] = self._running
        self._flush()
        if self._pending:
            _LOGGER.error(
                "CRY TALLY: %d episode(s), %.1f s of crying, could not be saved: %s",
                self.storage.unsaved_episodes,
                self.storage.unsaved_seconds,
                self.storage.error,
            )
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- memory --------------------------------------------------------------------------------
    def _put(self, episode: EpisodeRecord, stored_days: dict[date, float] | None) -> None:
        for day in self._days_of.pop(episode.id, {}):
            self._by_day.get(day, {}).pop(episode.id, None)
        if stored_days is None:
            stored_days = dict(split_by_day(episode.start, episode.duration_s, self.tz))
        self._days_of[episode.id] = stored_days
        for day, seconds in stored_days.items():
            self._by_day.setdefault(day, {})[episode.id] = seconds
        self._episodes[episode.id] = episode
        if episode.ended and (
            self._latest_ended is None or _order(episode) >= _order(self._latest_ended)
        ):
            self._latest_ended = episode

    # -- the running episode -------------------------------------------------------------------
    @property
    def running(self) -> EpisodeRecord | None:
        return self._running

    def start_episode(self, start: datetime, peak_score: float) -> EpisodeRecord:
        """Open an episode that began at wall time `start` (aware)."""
        if self._running is not None:
            self.end_episode(self._running.duration_s, self._running.peak_score)
        episode_id = max(self._episodes, default=0) + 1
        self._running = EpisodeRecord(episode_id, start.astimezone(UTC), 0.0, peak_score, False)
        self._checkpoint = self._running
        self._put(self._running, stored_days=None)
        self._save(self._running)
        self._last_write = self._monotonic()
        return self._running

    def update_episode(self, duration_s: float, peak_score: float) -> None:
        """Record progress of the running episode; checkpoints it once the interval passed.

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
            self._last_write = self._monotonic()
            self._checkpoint = self._running
            self._put(self._running, stored_days=None)
            self._save(self._running)

    def end_episode(self, duration_s: float, peak_score: float) -> EpisodeRecord | None:
        """Close the running episode with its final duration (from stream time)."""
        if self._running is None:
            return None
        done = replace(
            self._running, duration_s=max(0.0, duration_s), peak_score=peak_score, ended=True
        )
        self._running = self._checkpoint = None
        self._put(done, stored_days=None)
        self._save(done)
        return done

    # -- queries (memory only) -----------------------------------------------------------------
    def day_total(self, day: date) -> DayTotal:
        """Cry seconds and episodes on a local day, the running episode's last checkpoint included."""
        parts = [s for s in self._by_day.get(day, {}).values() if s > 0]
        return DayTotal(day, float(sum(parts)), len(parts))

    def last_episode(self) -> EpisodeRecord | None:
        """The running episode as last checkpointed, else the most recent ended one."""
        return self._checkpoint if self._checkpoint is not None else self._latest_ended

    def history(self, days: int, today: date) -> tuple[list[DayTotal], list[EpisodeRecord]]:
        """Day totals oldest first (zero days too) and the episodes touching them, newest first."""
        first = today - timedelta(days=days - 1)
        span = [first + timedelta(days=i) for i in range(days)]
        totals = [self.day_total(day) for day in span]
        ids = {i for day in span for i, s in self._by_day.get(day, {}).items() if s > 0}
        ended = [self._episodes[i] for i in ids if self._episodes[i].ended]
        episodes = sorted(ended, key=_order, reverse=True)
        if self._checkpoint is not None:
            episodes.insert(0, self._checkpoint)
        return totals, episodes

    def episode(self, episode_id: int) -> EpisodeRecord | None:
        """One episode by id (the running one as it stands), or None."""
        if self._running is not None and self._running.id == episode_id:
            return self._running
        return self._episodes.get(episode_id)

    def episodes_between(self, start: datetime, end: datetime) -> list[EpisodeRecord]:
        """Ended episodes that began in [start, end), oldest first."""
        found = [e for e in self._episodes.values() if e.ended and start <= e.start < end]
        return sorted(found, key=_order)


def _order(episode: EpisodeRecord) -> tuple[datetime, int]:
    return episode.start, episode.id


def _from_stored(row: StoredEpisode) -> EpisodeRecord:
    return EpisodeRecord(row.id, row.start, row.duration_s, row.peak_score, row.ended)
