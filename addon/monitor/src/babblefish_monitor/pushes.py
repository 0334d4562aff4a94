"""When the monitor pushes its state: at once for a real change, at most once a second otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

PUSH_INTERVAL_S = 1.0  # sound level, scores and running cry seconds: at most one push per second
TICK_S = 1.0


class PushThrottle:
    """Collects what changed and decides when a state push is due.

    A significant change (crying, pause, source or climate status, a new day) goes out at once;
    continuous readings (sound level, scores, a running episode's seconds) at most once an interval,
    so a client sees every change that matters without being flooded by the ones that do not.
    """

    def __init__(
        self,
        push: Callable[[], None],
        monotonic: Callable[[], float],
        interval: float = PUSH_INTERVAL_S,
    ) -> None:
        self._push = push
        self._monotonic = monotonic
        self._interval = interval
        self._significant = False
        self._continuous = False
        self._last_push = float("-inf")

    def mark(self, *, significant: bool) -> None:
        """Note a change; nothing is sent until `maybe_push`."""
        if significant:
            self._significant = True
        else:
            self._continuous = True

    def push_change(self) -> None:
        """A significant change: it goes out now."""
        self.mark(significant=True)
        self.maybe_push()

    def maybe_push(self) -> None:
        """Push now if a significant change waits or a continuous one has waited long enough."""
        now = self._monotonic()
        due = self._continuous and now - self._last_push >= self._interval
        if not (self._significant or due):
            return
        self._significant = self._continuous = False
        self._last_push = now
        self._push()


async def run_ticker(throttle: PushThrottle, today: Callable[[], str]) -> None:
    """Once a second: a new local day is a significant change; send what the throttle held back."""
    day = today()
    while True:
        await asyncio.sleep(TICK_S)
        current = today()
        if current != day:
            day = current
            throttle.mark(significant=True)
        throttle.maybe_push()


async def watch_changes(throttle: PushThrottle, poll: Callable[[], int]) -> None:
    """Once a tick call `poll` (a change counter); a change of its count is pushed at once."""
    seen = -1
    while True:
        changes = poll()
        if changes != seen:
            seen = changes
            throttle.push_change()
        await asyncio.sleep(TICK_S)
