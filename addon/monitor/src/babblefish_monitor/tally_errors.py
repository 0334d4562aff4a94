"""The tally file's faults: a disk or lock problem (the data is fine) told apart from corruption."""

from __future__ import annotations

import errno
import sqlite3
from typing import Literal

StorageProblem = Literal["locked", "full", "read_only", "io_error"]

_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_PROBLEM_CODES: dict[int, StorageProblem] = {
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_READONLY: "read_only",
    sqlite3.SQLITE_PERM: "read_only",
    sqlite3.SQLITE_CANTOPEN: "read_only",
}
_PROBLEM_ERRNOS: dict[int, StorageProblem] = {
    errno.ENOSPC: "full",
    errno.EDQUOT: "full",
    errno.EROFS: "read_only",
    errno.EACCES: "read_only",
    errno.EPERM: "read_only",
}
MESSAGES: dict[StorageProblem, str] = {
    "locked": "the cry tally database is locked by another program",
    "full": "storage is full",
    "read_only": "the data directory is read-only",
    "io_error": "the data directory gives input/output errors",
}


class StorageError(Exception):
    """The disk or another process refuses a read or write; the data itself is fine."""

    def __init__(self, problem: StorageProblem, detail: str) -> None:
        super().__init__(f"{MESSAGES[problem]} ({detail})")
        self.problem = problem


class CorruptError(Exception):
    """The file is not a tally this monitor can read: damaged, a foreign schema or a bad row."""


def classify(err: Exception) -> Exception:
    """A StorageError for what the disk or a lock caused, a CorruptError for damaged data."""
    if isinstance(err, sqlite3.Error):
        code = (getattr(err, "sqlite_errorcode", 0) or 0) & 0xFF
        if code in _CORRUPT_CODES:
            return CorruptError(str(err))
        if code in _PROBLEM_CODES:
            return StorageError(_PROBLEM_CODES[code], str(err))
        if code == sqlite3.SQLITE_IOERR or "disk i/o" in str(err).lower():
            return StorageError("io_error", str(err))
        return CorruptError(str(err))
    if isinstance(err, OSError):
        return StorageError(_PROBLEM_ERRNOS.get(err.errno or 0, "io_error"), str(err))
    return err
