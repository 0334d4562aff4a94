"""The audio source interface: 16 kHz mono int16 blocks, an observable status, one error type."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from typing import Literal

import numpy as np
import numpy.typing as npt

from babblefish_monitor.redact import redact

SAMPLE_RATE = 16_000
BLOCK_SAMPLES = (
    1_600  # 0.1 s: small enough for prompt detection, large enough to keep the loop cheap
)

SourceStatus = Literal["starting", "running", "restarting", "failed", "ended"]
Block = npt.NDArray[np.int16]
StatusCallback = Callable[["AudioSource"], None]

_LOGGER = logging.getLogger(__name__)


class SourceError(Exception):
    """A source spec or input that cannot work: unknown scheme, missing file or program."""


class AudioSource(ABC):
    """Delivers 16 kHz mono int16 blocks; `status`/`error` say how it is doing right now.

    `restarts` counts how often the underlying capture was restarted: a consumer that sees it change
    knows the next block follows a gap in the audio (and should reset its streaming state).
    """

    def __init__(self, name: str, on_status: StatusCallback | None = None) -> None:
        self.name = name
        self.status: SourceStatus = "starting"
        self.error: str | None = None
        self.restarts = 0
        self.on_status = on_status

    def _set_status(self, status: SourceStatus, error: str | None = None) -> None:
        if status == self.status and error == self.error:
            return
        self.status, self.error = status, error
        if error:
            _LOGGER.warning("audio source %s: %s (%s)", redact(self.name), status, redact(error))
        else:
            _LOGGER.info("audio source %s: %s", redact(self.name), status)
        if self.on_status is not None:
            try:
                self.on_status(self)
            except Exception:
                # A broken observer must never take the audio down with it.
                _LOGGER.exception("status callback for %s failed", self.name)

    @abstractmethod
    def blocks(self) -> AsyncIterator[Block]:
        """Yield int16 mono 16 kHz blocks until the source ends or is closed."""

    @abstractmethod
    async def close(self) -> None:
        """Stop capturing and release the process or file; `blocks()` then ends."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.status}>"
