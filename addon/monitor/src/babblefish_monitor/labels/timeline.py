"""The night's timeline for the panel: sound level, sound class, cry score and temperature per 10 s."""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from babblefish_monitor.audio.pipeline import PipelineOutput

_LOGGER = logging.getLogger(__name__)

BUCKET_S = 10
KEEP_DAYS = 30


class Timeline:
    """Folds pipeline output into one row per 10-s bucket of wall time; a failed write is skipped."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._bucket: int | None = None
        self._rms: list[float] = []
        self._peak = float("-inf")
        self._classes: Counter[str] = Counter()
        self._cry = 0.0
        self._temperature: float | None = None
        self._warned = False

    def observe(
        self,
        output: PipelineOutput,
        wall_of: Callable[[float], datetime],
        cry_label: str,
        temperature_c: float | None,
    ) -> None:
        """Add one block's level readings and windows."""
        for level in output.levels:
            self._enter(wall_of(level.stream_time))
            if level.rms_dbfs > -200:
                self._rms.append(level.rms_dbfs)
            self._peak = max(self._peak, level.peak_dbfs)
            self._temperature = temperature_c
        for window in output.windows:
            self._enter(wall_of(window.stream_time))
            self._classes[window.sound_class] += 1
            self._cry = max(self._cry, window.scores.get(cry_label, 0.0))

    def _enter(self, wall: datetime) -> None:
        bucket = int(wall.timestamp()) // BUCKET_S * BUCKET_S
        if self._bucket is None:
            self._bucket = bucket
        elif bucket > self._bucket:
            self.flush()
            self._bucket = bucket

    def flush(self) -> None:
        """Write the open bucket, if it saw anything."""
        if self._bucket is None or not (self._rms or self._classes):
            return
        stamp = datetime.fromtimestamp(self._bucket, UTC).isoformat()
        rms = sum(self._rms) / len(self._rms) if self._rms else None
        sound_class = self._classes.most_common(1)[0][0] if self._classes else None
        peak = self._peak if self._peak > -200 else None
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO timeline VALUES (?, ?, ?, ?, ?, ?)",
                (stamp, rms, peak, sound_class, self._cry, self._temperature),
            )
        except sqlite3.Error as err:
            if not self._warned:  # a full disk must not flood the log every 10 s
                _LOGGER.warning("panel timeline not recorded: %s", err)
                self._warned = True
        self._rms, self._peak, self._classes, self._cry = [], float("-inf"), Counter(), 0.0

    def between(self, start: datetime, end: datetime) -> list[dict[str, object]]:
        """Rows from start to end (aware), oldest first, for the panel."""
        rows = self.db.execute(
            "SELECT ts_utc, rms_dbfs, peak_dbfs, sound_class, cry_score, temperature_c "
            "FROM timeline WHERE ts_utc >= ? AND ts_utc < ? ORDER BY ts_utc",
            (start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()),
        ).fetchall()
        return [
            {
                "t": r[0],
                "rms_dbfs": None if r[1] is None else round(r[1], 1),
                "peak_dbfs": None if r[2] is None else round(r[2], 1),
                "sound_class": r[3],
                "cry_score": None if r[4] is None else round(r[4], 3),
                "temperature_c": r[5],
            }
            for r in rows
        ]

    def prune(self, now: datetime) -> None:
        """Forget rows older than KEEP_DAYS."""
        cutoff = (now - timedelta(days=KEEP_DAYS)).astimezone(UTC).isoformat()
        try:
            self.db.execute("DELETE FROM timeline WHERE ts_utc < ?", (cutoff,))
        except sqlite3.Error as err:
            _LOGGER.warning("panel timeline not pruned: %s", err)
