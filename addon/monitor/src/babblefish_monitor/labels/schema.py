"""labels.db's schema: the migrations, and opening a file checked and brought up to date."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

_LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 2
# Each entry takes a database from the version before it to its own; never edit a shipped one.
_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE labels (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        episode_id INTEGER UNIQUE,
        verdict TEXT NOT NULL,
        what TEXT,
        at_utc TEXT NOT NULL,
        duration_s REAL NOT NULL,
        peak_score REAL,
        clip TEXT,
        created_utc TEXT NOT NULL
    );
    """,
    # Free text beside the model's label, and the window features adaptation learns from.
    2: """
    ALTER TABLE labels ADD COLUMN note TEXT;
    CREATE TABLE features (key TEXT PRIMARY KEY, dims INTEGER NOT NULL, data BLOB NOT NULL);
    CREATE TABLE timeline (
        ts_utc TEXT PRIMARY KEY,
        rms_dbfs REAL,
        peak_dbfs REAL,
        sound_class TEXT,
        cry_score REAL,
        temperature_c REAL
    );
    """,
}


def connect(where: Path | str) -> sqlite3.Connection:
    """Open labels.db (or `:memory:`), check it and bring its schema up to date."""
    db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check}")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        _migrate(db)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _migrate(db: sqlite3.Connection) -> None:
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    current = int(row[0]) if row else 0
    if current > SCHEMA_VERSION:
        raise sqlite3.DatabaseError(
            f"schema version {current} is newer than this monitor's {SCHEMA_VERSION}"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        db.execute("BEGIN")
        for statement in _MIGRATIONS[version].split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(version),),
        )
        db.execute("COMMIT")
        if current:
            _LOGGER.info("label database upgraded to schema %d", version)
