"""How the tally's saving is going, as the API reports it, and the log lines when that changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

_LOGGER = logging.getLogger(__name__)

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

    def failed(self, problem: StorageStatus, message: str) -> None:
        """A write failed; warn once per kind of problem, not on every retry."""
        if self.status != problem:
            _LOGGER.warning(
                "CRY TALLY NOT SAVED: %s; detection goes on and counts in memory, "
                "saving again once the disk allows",
                message,
            )
        self.status, self.error = problem, message

    def recovered(self) -> None:
        """A write went through; say so if it had been failing."""
        if self.status != "ok":
            _LOGGER.warning("cry tally saved again (%s is fixed)", self.error)
            self.status, self.error = "ok", None

    def set_unsaved(self, episodes: int, seconds: float) -> None:
        """Record what is still only in memory; every call counts as a change for pushes."""
        self.unsaved_episodes, self.unsaved_seconds = episodes, round(seconds, 1)
        self.changed()

    def changed(self) -> None:
        self.changes += 1
