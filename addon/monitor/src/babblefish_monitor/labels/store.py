"""Label store: the parent's verdicts on episodes and missed cries, their clips and features, in SQLite."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from babblefish_monitor.tally_store import rename_aside

from .errors import LabelError, storage_errors
from .schema import connect

_LOGGER = logging.getLogger(__name__)

DB_FILE = "labels.db"
CLIP_DIR = "label_clips"
Kind = Literal["episode", "missed"]
Verdict = Literal["crying", "not_crying"]
VERDICTS: tuple[Verdict, ...] = ("crying", "not_crying")


@dataclass(frozen=True)
class Label:
    """One verdict: on a detected episode, or a cry the monitor missed at `at`."""

    id: int
    kind: Kind
    episode_id: int | None
    verdict: Verdict
    what: str | None
    note: str | None
    at: datetime  # aware, UTC
    duration_s: float
    peak_score: float | None
    clip: str | None  # file name under the clip folder, when audio was kept
    created: datetime


def _now() -> datetime:
    return datetime.now(UTC)


class LabelStore:
    """labels.db beside the tally, plus FLAC clips in `label_clips/`; never touches the tally."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / DB_FILE
        self.clip_dir = data_dir / CLIP_DIR
        self.moved_aside: Path | None = None
        self.problem: str | None = None
        self.unavailable = False  # True: the database could not be opened; nothing is saved
        self.db = self._open()

    # -- opening, migration, corruption --------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return connect(self.path)
        except (sqlite3.OperationalError, OSError) as err:
            # Locked, unwritable, full: not corruption, so the file is left alone, and the monitor
            # runs on (a restart would meet the same problem) with labelling off.
            self.unavailable = True
            self.problem = (
                f"the label database {self.path} cannot be opened ({err}): labels cannot be "
                "saved until that is fixed (is the disk full?)"
            )
            _LOGGER.warning("LABEL DATABASE: %s", self.problem)
            return connect(":memory:")
        except sqlite3.DatabaseError as err:
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
            self.moved_aside = rename_aside(self.path, stamp)
            self.problem = (
                f"the label database was unreadable ({err}); it was moved aside to "
                f"{self.moved_aside.name} and a fresh one started: earlier labels are only there"
            )
            _LOGGER.warning("LABEL DATABASE %s: %s", self.path, self.problem)
            return connect(self.path)

    @property
    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0])

    def close(self) -> None:
        self.db.close()

    # -- labels --------------------------------------------------------------------------------
    def add(
        self,
        *,
        kind: Kind,
        verdict: Verdict,
        at: datetime,
        duration_s: float,
        episode_id: int | None = None,
        what: str | None = None,
        note: str | None = None,
        peak_score: float | None = None,
    ) -> Label:
        """Store a verdict; a second verdict on the same episode replaces the first."""
        if self.unavailable:
            raise LabelError(str(self.problem), 503, "labels_unavailable")
        with storage_errors("save the label"):
            if episode_id is not None:
                old = self.for_episode(episode_id)
                if old is not None:
                    self.delete(old.id)
            cursor = self.db.execute(
                "INSERT INTO labels(kind, episode_id, verdict, what, note, at_utc, duration_s, "
                "peak_score, created_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind,
                    episode_id,
                    verdict,
                    what,
                    note,
                    at.astimezone(UTC).isoformat(),
                    duration_s,
                    peak_score,
                    _now().isoformat(),
                ),
            )
        assert cursor.lastrowid is not None
        label = self.get(int(cursor.lastrowid))
        assert label is not None
        return label

    def get(self, label_id: int) -> Label | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM labels WHERE id = ?", (label_id,)).fetchone()
        return _label(row) if row else None

    def for_episode(self, episode_id: int) -> Label | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM labels WHERE episode_id = ?", (episode_id,)
        ).fetchone()
        return _label(row) if row else None

    def all(self) -> list[Label]:
        """Every label, oldest first."""
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM labels ORDER BY at_utc, id").fetchall()
        return [_label(row) for row in rows]

    def delete(self, label_id: int) -> bool:
        """Remove one label, its clip and its features; False when there was none."""
        label = self.get(label_id)
        if label is None:
            return False
        with storage_errors("delete the label"):
            self.db.execute("DELETE FROM labels WHERE id = ?", (label_id,))
            self.db.execute("DELETE FROM features WHERE key = ?", (f"label:{label_id}",))
            if label.clip:
                (self.clip_dir / label.clip).unlink(missing_ok=True)
        return True

    def delete_all(self) -> int:
        """Remove every label and clip (episode features stay: they are not the parent's data)."""
        labels = self.all()
        for label in labels:
            self.delete(label.id)
        return len(labels)

    # -- clips ---------------------------------------------------------------------------------
    def save_clip(self, label_id: int, audio: npt.NDArray[np.int16], sample_rate: int) -> str:
        """Write a label's audio as FLAC and remember it; LabelError on a full disk."""
        import soundfile as sf

        name = f"label-{label_id}.flac"
        with storage_errors("keep the clip"):
            self.clip_dir.mkdir(parents=True, exist_ok=True)
            try:
                sf.write(self.clip_dir / name, audio, sample_rate, format="FLAC")
            except BaseException:
                (self.clip_dir / name).unlink(missing_ok=True)
                raise
            self.db.execute("UPDATE labels SET clip = ? WHERE id = ?", (name, label_id))
        return name

    def clip_path(self, label: Label) -> Path | None:
        return self.clip_dir / label.clip if label.clip else None

    # -- features ------------------------------------------------------------------------------
    def put_features(self, key: str, features: npt.NDArray[np.float32]) -> None:
        """Keep a (windows, dims) feature matrix under `key` ('episode:<id>' or 'label:<id>')."""
        data = np.ascontiguousarray(features, dtype=np.float32)
        with storage_errors("keep the episode's features"):
            self.db.execute(
                "INSERT OR REPLACE INTO features(key, dims, data) VALUES (?, ?, ?)",
                (key, int(data.shape[1]) if data.ndim == 2 else 0, data.tobytes()),
            )

    def features(self, key: str) -> npt.NDArray[np.float32] | None:
        row = self.db.execute("SELECT dims, data FROM features WHERE key = ?", (key,)).fetchone()
        if row is None or not row[0]:
            return None
        return np.frombuffer(row[1], dtype=np.float32).reshape(-1, int(row[0]))

    # -- settings ------------------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        row = self.db.execute(
            "SELECT value FROM meta WHERE key = ?", (f"setting:{key}",)
        ).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with storage_errors("save the setting"):
            self.db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (f"setting:{key}", value)
            )


_COLUMNS = (
    "id, kind, episode_id, verdict, what, note, at_utc, duration_s, peak_score, clip, created_utc"
)


def _label(row: tuple[object, ...]) -> Label:
    return Label(
        id=int(str(row[0])),
        kind="missed" if row[1] == "missed" else "episode",
        episode_id=None if row[2] is None else int(str(row[2])),
        verdict="crying" if row[3] == "crying" else "not_crying",
        what=None if row[4] is None else str(row[4]),
        note=None if row[5] is None else str(row[5]),
        at=datetime.fromisoformat(str(row[6])),
        duration_s=float(str(row[7])),
        peak_score=None if row[8] is None else float(str(row[8])),
        clip=None if row[9] is None else str(row[9]),
        created=datetime.fromisoformat(str(row[10])),
    )
