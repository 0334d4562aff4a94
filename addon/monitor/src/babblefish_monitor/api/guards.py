"""Connection guards for the API: a connection limit, a header deadline, a WebSocket frame limit
checked before a frame is buffered, and accept errors logged at most once a minute."""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

_LOGGER = logging.getLogger(__name__)

HEADER_TIMEOUT_S = 10.0  # a request's headers must be complete this long after connecting
KEEPALIVE_TIMEOUT_S = 30.0
LINGERING_TIME_S = 5.0  # an unread request body is drained for at most this long
MAX_CONNECTIONS = 256
FD_RESERVE = 48  # descriptors kept for the capture program, the tally and the logs
LOG_EVERY_S = 60.0
# Close frame 1009 "message too big", sent by the server (unmasked).
_CLOSE_TOO_BIG = b"\x88\x02\x03\xf1"


def connection_limit(ceiling: int = MAX_CONNECTIONS) -> int:
    """How many clients may connect at once: never so many that the process runs out of files."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return ceiling
    return max(4, min(ceiling, (soft - FD_RESERVE) // 2))


class RateLimitedLog:
    """Logs a recurring message at most once per interval, with how often it happened meanwhile."""

    def __init__(self, interval: float = LOG_EVERY_S, clock: Callable[[], float] = time.monotonic):
        self._interval = interval
        self._clock = clock
        self._last = float("-inf")
        self.suppressed = 0

    def warning(self, message: str, *args: object) -> bool:
        """Log now if the interval passed; returns whether it logged."""
        now = self._clock()
        if now - self._last < self._interval:
            self.suppressed += 1
            return False
        if self.suppressed:
            message += " (%d more times in the last %.0f s)"
            args = (*args, self.suppressed, now - self._last)
        self._last, self.suppressed = now, 0
        _LOGGER.warning(message, *args)
        return True


class AcceptErrorFilter:
    """An event loop exception handler that turns a flood of accept() failures into one line a minute."""

    def __init__(
        self, previous: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None
    ):
        self.previous = previous
        self.log = RateLimitedLog()

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", ""))
        if "accept" in message:
            error = context.get("exception")
            self.log.warning("API server cannot accept connections: %s (%s)", message, error)
            return
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


class FrameLimit:
    """Follows WebSocket frame headers in the raw byte stream and rejects a frame whose declared
    payload is over the limit, before any of it is buffered."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._header = b""
        self._skip = 0

    def feed(self, data: bytes) -> bool:
        """Returns False as soon as a frame header declares more than `limit` bytes."""
        view = memoryview(data)
        while view:
            if self._skip:
                taken = min(self._skip, len(view))
                self._skip -= taken
                view = view[taken:]
                continue
            want = (self._header_size() or 2) - len(self._header)
            self._header += bytes(view[:want])
            view = view[want:]
            full = self._header_size()
            if full and len(self._header) == full:
                length = self._payload_length()
                if length > self.limit:
                    return False
                self._skip, self._header = length, b""
        return True

    def _header_size(self) -> int:
        """The full header length once its first two bytes are known, else 0."""
        if len(self._header) < 2:
            return 0
        size = 2 + (4 if self._header[1] & 0x80 else 0)
        code = self._header[1] & 0x7F
        return size + (2 if code == 126 else 8 if code == 127 else 0)

    def _payload_length(self) -> int:
        code = self._header[1] & 0x7F
        if code == 126:
            return int.from_bytes(self._header[2:4], "big")
        if code == 127:
            return int.from_bytes(self._header[2:10], "big")
        return code


class Limits:
    """Shared counters and settings for every connection of one server."""

    def __init__(self, max_frame_bytes: int, max_connections: int | None = None) -> None:
        self.max_frame_bytes = max_frame_bytes
        self.max_connections = max_connections or connection_limit()
        self.header_timeout = HEADER_TIMEOUT_S
        self.open = 0
        self.refused_log = RateLimitedLog()


class GuardedHandler(RequestHandler):
    """aiohttp's connection handler with the limits above applied to the raw connection."""

    limits: Limits

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._guard_transport: Any = transport
        self._frames = FrameLimit(self.limits.max_frame_bytes)
        self.limits.open += 1
        self._counted = True
        if self.limits.open > self.limits.max_connections:
            self.limits.refused_log.warning(
                "API server: %d connections open, refusing more", self.limits.max_connections
            )
            transport.abort()  # type: ignore[attr-defined]
            return
        loop = asyncio.get_running_loop()
        self._header_timer = loop.call_later(self.limits.header_timeout, self._headers_overdue)

    def _headers_overdue(self) -> None:
        if self._request_count == 0 and self._guard_transport is not None:
            self._guard_transport.abort()

    def connection_lost(self, exc: BaseException | None) -> None:
        if getattr(self, "_counted", False):
            self.limits.open -= 1
            self._counted = False
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
        super().connection_lost(exc)

    def _upgraded_now(self) -> bool:
        # aiohttp keeps this flag privately and renamed it in 3.14 (`_upgrade` -> `_upgraded`); the
        # add-on pins 3.11 while Home Assistant 2026 brings 3.14, so both spellings must work.
        return bool(getattr(self, "_upgraded", getattr(self, "_upgrade", False)))

    def data_received(self, data: bytes) -> None:
        if self._upgraded_now():
            if not self._frames.feed(data):
                self._refuse_frame()
                return
            super().data_received(data)
            return
        super().data_received(data)
        # Bytes that came with the upgrade request are the start of the frame stream.
        if (
            self._upgraded_now()
            and self._message_tail
            and not self._frames.feed(self._message_tail)
        ):
            self._refuse_frame()

    def _refuse_frame(self) -> None:
        transport = self._guard_transport
        if transport is not None and not transport.is_closing():
            transport.write(_CLOSE_TOO_BIG)
            transport.close()
        self.force_close()


class GuardedServer(web.Server):
    """Makes GuardedHandlers instead of plain ones."""

    limits: Limits

    def __call__(self) -> RequestHandler:
        handler = GuardedHandler(self, loop=self._loop, **self._kwargs)
        handler.limits = self.limits
        return handler


class GuardedRunner(web.AppRunner):
    """An AppRunner whose server guards every connection."""

    def __init__(self, app: web.Application, limits: Limits, **kwargs: Any) -> None:
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_TIMEOUT_S)
        kwargs.setdefault("lingering_time", LINGERING_TIME_S)
        super().__init__(app, **kwargs)
        self.limits = limits

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # aiohttp builds its Server in Application._make_handler; only the handler class changes.
        server.__class__ = GuardedServer
        server.limits = self.limits  # type: ignore[attr-defined]
        return server
