"""Label errors: what went wrong, as an HTTP status and a message a parent can act on."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


class LabelError(Exception):
    """A label request that cannot be honoured; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _disk_full(err: BaseException) -> bool:
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return True
    return isinstance(err, sqlite3.OperationalError) and "full" in str(err).lower()


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Turn a full disk or a failed write into a LabelError that says what to do."""
    try:
        yield
    except (OSError, sqlite3.Error) as err:
        if _disk_full(err):
            raise LabelError(
                f"cannot {what}: the disk is full; free some space (or delete old labels) and retry",
                507,
                "disk_full",
            ) from err
        raise LabelError(f"cannot {what}: {err}", 500, "storage_error") from err
