"""Keeps the audio loop alive: restarts it with back-off after any failure, and says whether audio
is still being processed (what /api/v1/health reports to the Supervisor's watchdog)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)

HEALTH_STALE_S = 5.0  # no audio processed for this long: unhealthy
STARTUP_GRACE_S = 15.0  # a camera stream may take this long to send its first audio


@dataclass(frozen=True)
class Backoff:
    """Restart delays: short enough that detection is back within 10 s of a fault clearing."""

    initial: float = 0.5
    maximum: float = 8.0
    healthy_after: float = 30.0  # a loop that ran this long starts again from `initial`

    def delay(self, failures: int) -> float:
        return float(min(self.maximum, self.initial * 2 ** max(0, failures - 1)))


async def supervise(
    run_once: Callable[[], Awaitable[None]],
    on_failure: Callable[[Exception, float], None],
    *,
    backoff: Backoff = Backoff(),
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Run `run_once` until it returns; after an exception, report it and run it again later."""
    failures = 0
    while True:
        started = monotonic()
        try:
            await run_once()
            return
        except Exception as err:  # anything: storage, pipeline, model, source
            failures = 1 if monotonic() - started >= backoff.healthy_after else failures + 1
            delay = backoff.delay(failures)
            on_failure(err, delay)
            await asyncio.sleep(delay)


class FailureLog:
    """Logs a failure once per distinct cause, with its traceback; repeats go to debug."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._last: tuple[str, str] | None = None
        self.count = 0

    def failed(self, err: Exception, delay: float) -> None:
        self.count += 1
        key = (type(err).__name__, str(err))
        if key != self._last:
            self._last = key
            _LOGGER.error(
                "%s FAILED (%s: %s); restarting it in %g s",
                self._what.upper(),
                key[0],
                key[1],
                delay,
                exc_info=err,
            )
        else:
            _LOGGER.debug("%s failed again (%s); restart %d", self._what, key[1], self.count)

    def recovered(self) -> bool:
        """Call when it works again; True (and logged) if it had failed."""
        if self._last is None:
            return False
        _LOGGER.warning("%s running again after %d restart(s)", self._what, self.count)
        self._last = None
        return True


class AudioHeartbeat:
    """When audio was last processed, for the health check."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._last = monotonic() + STARTUP_GRACE_S - HEALTH_STALE_S

    def beat(self) -> None:
        self._last = self._monotonic()

    def silent_for(self) -> float:
        """Seconds since the last processed block (startup grace counted as audio)."""
        return max(0.0, self._monotonic() - self._last)

    def healthy(self) -> bool:
        return self.silent_for() <= HEALTH_STALE_S
