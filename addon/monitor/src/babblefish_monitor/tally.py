"""Cry tally: cry seconds per local day and an episode log, kept in memory and saved to SQLite."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from .tally_errors import CorruptError, StorageError
from .tally_ledger import DayTotal, EpisodeLedger, EpisodeRecord
from .tally_status import StorageState, StorageStatus
from .tally_store import StoredEpisode, TallyStore, move_aside, row_of, salvage

# The records and the status live beside the tally; callers take them from here.
__all__ = ["DB_FILE", "CryTally", "DayTotal", "EpisodeRecord", "StorageState", "StorageStatus"]

_LOGGER = logging.getLogger(__name__)

DB_FILE = "tally.db"
# A running episode is published as it was last checkpointed, so a crash can take back nothing a
# client has seen; one small write a second keeps the published figure about a second behind.
CHECKPOINT_INTERVAL_S = 1.0
RETRY_INTERVAL_S = 2.0  # how often a failing disk is tried again while episodes wait


def _timestamp() -> str:
    return datetime.now().strftime("%Y%m%dT%H%M%S")


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
        self._ledger = EpisodeLedger(tz)
        self._pending: dict[int, EpisodeRecord] = {}
        self._saved_s: dict[int, float] = {}
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
        self.storage.changed()
        fresh = store.open()
        assert not fresh
        for episode in rescued:
            self._ledger.put(episode.record(), stored_days=None)
            self._pending[episode.id] = self._ledger.episodes[episode.id]
        self._file_known = True
        return []

    def _adopt(self, rows: list[StoredEpisode]) -> None:
        """Take the file's episodes; episodes counted before the file could be read get new ids."""
        offline = (
            sorted(self._ledger.episodes.values(), key=lambda e: e.id)
            if not self._file_known
            else []
        )
        if not self._file_known:
            self._ledger.clear()
            self._pending.clear()
            self._saved_s.clear()
        for row in rows:
            record = row.record()
            if not record.ended:  # left open by a crash: it ends at its last checkpoint
                _LOGGER.info(
                    "closed cry episode %s, interrupted by a restart, at its checkpoint", row.id
                )
                record = replace(record, ended=True)
                self._pending[record.id] = record
            self._ledger.put(record, stored_days=row.days or None)
            self._saved_s[record.id] = record.duration_s
        next_id = self._ledger.next_id()
        for episode in offline:
            moved = replace(episode, id=next_id)
            next_id += 1
            self._ledger.put(moved, stored_days=None)
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
            self._store.save(row_of(e, self._ledger.days_of.get(e.id, {})) for e in batch)
        except StorageError as err:
            self._failed(err)
            return
        except CorruptError as err:
            self._store.close()
            self._store = None
            self._pending = dict(
                self._ledger.episodes
            )  # the memory copy is complete: write it all again
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

    def _failed(self, err: StorageError) -> None:
        self._next_retry = self._monotonic() + self._retry_interval
        self.storage.failed(err.problem, str(err))
        self._update_unsaved()

    def _recovered(self) -> None:
        self.storage.recovered()
        self._update_unsaved()

    def _update_unsaved(self) -> None:
        unsaved = sum(
            max(0.0, e.duration_s - self._saved_s.get(e.id, 0.0)) for e in self._pending.values()
        )
        self.storage.set_unsaved(len(self._pending), unsaved)

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

    # -- the running episode -------------------------------------------------------------------
    @property
    def running(self) -> EpisodeRecord | None:
        return self._running

    def start_episode(self, start: datetime, peak_score: float) -> EpisodeRecord:
        """Open an episode that began at wall time `start` (aware)."""
        if self._running is not None:
            self.end_episode(self._running.duration_s, self._running.peak_score)
        episode_id = self._ledger.next_id()
        self._running = EpisodeRecord(episode_id, start.astimezone(UTC), 0.0, peak_score, False)
        self._checkpoint = self._running
        self._ledger.put(self._running, stored_days=None)
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
            self._ledger.put(self._running, stored_days=None)
            self._save(self._running)

    def end_episode(self, duration_s: float, peak_score: float) -> EpisodeRecord | None:
        """Close the running episode with its final duration (from stream time)."""
        if self._running is None:
            return None
        done = replace(
            self._running, duration_s=max(0.0, duration_s), peak_score=peak_score, ended=True
        )
        self._running = self._checkpoint = None
        self._ledger.put(done, stored_days=None)
        self._save(done)
        return done

    # -- queries (memory only) -----------------------------------------------------------------
    def day_total(self, day: date) -> DayTotal:
        """Cry seconds and episodes on a local day, the running episode's last checkpoint included."""
        return self._ledger.day_total(day)

    def last_episode(self) -> EpisodeRecord | None:
        """The running episode as last checkpointed, else the most recent ended one."""
        return self._checkpoint if self._checkpoint is not None else self._ledger.latest_ended

    def history(self, days: int, today: date) -> tuple[list[DayTotal], list[EpisodeRecord]]:
        """Day totals oldest first (zero days too) and the episodes touching them, newest first."""
        return self._ledger.history(days, today, self._checkpoint)

    def episode(self, episode_id: int) -> EpisodeRecord | None:
        """One episode by id (the running one as it stands), or None."""
        if self._running is not None and self._running.id == episode_id:
            return self._running
        return self._ledger.episodes.get(episode_id)

    def episodes_between(self, start: datetime, end: datetime) -> list[EpisodeRecord]:
        """Ended episodes that began in [start, end), oldest first."""
        return self._ledger.between(start, end)
