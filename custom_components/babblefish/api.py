"""Async client for the Babblefish monitor's HTTP + WebSocket API, protocol v1."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any, Self

import aiohttp
from yarl import URL

from . import protocol
from .adaptation import Adaptation
from .exceptions import (
    BabblefishAuthenticationError,
    BabblefishCommandError,
    BabblefishConnectionError,
    BabblefishError,
    BabblefishProtocolError,
    BabblefishRequestError,
)
from .messages import decode, parse_message, refusal
from .models import CommandResult, Hello, History, Info, Message, State
from .protocol import PROTOCOL_VERSION
from .wire import WireObject

__all__ = [
    "PROTOCOL_VERSION",
    "BabblefishAuthenticationError",
    "BabblefishClient",
    "BabblefishCommandError",
    "BabblefishConnectionError",
    "BabblefishError",
    "BabblefishProtocolError",
    "BabblefishRequestError",
    "parse_message",
]

RECONNECT_INITIAL_S = 1.0
RECONNECT_MAX_S = 60.0
# The monitor pings every WebSocket client every 20 s, so silence longer than this means it is gone.
# Reading with a timeout rather than asking aiohttp for a client heartbeat leaves no timer behind:
# aiohttp 3.14 re-arms its heartbeat timer when the close reply arrives, after the connection closed.
WS_RECEIVE_TIMEOUT_S = 50.0


class BabblefishClient:
    """One monitor: HTTP request helper, a reconnecting WebSocket listener, commands."""

    def __init__(
        self,
        host: str,
        port: int,
        token: str,
        *,
        session: aiohttp.ClientSession,
        request_timeout: float = 10.0,
        reconnect_initial_s: float | None = None,
        reconnect_max_s: float | None = None,
    ) -> None:
        """Store where the monitor is; the aiohttp session is owned by the caller."""
        self.host = host
        self.port = port
        self.token = token
        self.session = session
        self.request_timeout = request_timeout
        self.reconnect_initial_s = reconnect_initial_s or RECONNECT_INITIAL_S
        self.reconnect_max_s = reconnect_max_s or RECONNECT_MAX_S
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[int, asyncio.Future[CommandResult]] = {}
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> URL:
        """The monitor's root URL."""
        return URL.build(scheme="http", host=self.host, port=self.port)

    @property
    def connected(self) -> bool:
        """Whether the WebSocket listener holds an open connection."""
        return self._ws is not None and not self._ws.closed

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    async def _request(
        self,
        path: str,
        *,
        params: dict[str, str] | None = None,
        auth: bool = True,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """GET one route (POST `body` when given) and return its JSON; failures map onto the hierarchy."""
        url = self.base_url.join(URL(f"{protocol.API_PREFIX}/{path}"))
        method = "GET" if body is None else "POST"
        try:
            async with asyncio.timeout(self.request_timeout):
                response = await self.session.request(
                    method, url, params=params, json=body, headers=self._headers() if auth else None
                )
                async with response:
                    if response.status == 401:
                        raise BabblefishAuthenticationError("the monitor rejected the token")
                    if body is not None and 400 <= response.status < 500:
                        raise await refusal(response)
                    if response.status not in {200, 201}:
                        text = await response.text()
                        raise BabblefishConnectionError(
                            f"{method} {path} answered {response.status}: {text[:200]}"
                        )
                    data = await response.json(content_type=None)
        except TimeoutError as err:
            raise BabblefishConnectionError(f"timed out talking to {self.base_url}") from err
        except (aiohttp.ClientError, socket.gaierror) as err:
            raise BabblefishConnectionError(f"cannot reach {self.base_url}: {err}") from err
        except json.JSONDecodeError as err:
            raise BabblefishProtocolError(f"{method} {path} did not answer JSON") from err
        if not isinstance(data, dict):
            raise BabblefishProtocolError(
                f"{method} {path} answered {type(data).__name__}, not an object"
            )
        return data

    async def health(self) -> bool:
        """Whether the monitor answers its unauthenticated health check."""
        data = await self._request(protocol.ROUTE_HEALTH, auth=False)
        return WireObject(data, "health").string("status") == protocol.HEALTH_OK

    async def info(self) -> Info:
        """The monitor's identity, model and capabilities; refuses another protocol version."""
        return Info.read(WireObject(await self._request(protocol.ROUTE_INFO), "info"))

    async def state(self) -> State:
        """The current state object."""
        return State.read(WireObject(await self._request(protocol.ROUTE_STATE), "state"))

    async def history(self, days: int = 7) -> History:
        """Daily cry totals and recent episodes."""
        data = await self._request(protocol.ROUTE_HISTORY, params={"days": str(days)})
        return History.read(WireObject(data, "history"))

    async def adaptation(self) -> Adaptation:
        """What the monitor has learnt from labels, and whether it applies it."""
        data = await self._request(protocol.ROUTE_ADAPTATION)
        return Adaptation.read(WireObject(data, "adaptation"))

    async def label_episode(
        self, episode_id: int, verdict: str, what: str | None = None, note: str | None = None
    ) -> str | None:
        """Tell the monitor whether an episode was crying; returns its note on what it could not keep."""
        body: dict[str, Any] = {"episode_id": episode_id, "verdict": verdict}
        body |= {key: value for key, value in (("what", what), ("note", note)) if value is not None}
        data = await self._request(protocol.ROUTE_LABELS, body=body)
        return WireObject(data, "label reply").optional_string("message")

    async def pause(self) -> None:
        """Stop detection until resumed."""
        await self._command({"type": protocol.COMMAND_PAUSE})

    async def resume(self) -> None:
        """Resume detection."""
        await self._command({"type": protocol.COMMAND_RESUME})

    async def set_sensitivity(self, value: float) -> None:
        """Set detection sensitivity, 0.0-1.0 (0.5 is the monitor's tuned default)."""
        await self._command({"type": protocol.COMMAND_SET_SENSITIVITY, "value": float(value)})

    async def _connect(self) -> aiohttp.ClientWebSocketResponse:
        """Open the WebSocket, mapping a rejected token and unreachable hosts onto the hierarchy."""
        url = self.base_url.join(URL(f"{protocol.API_PREFIX}/{protocol.ROUTE_WEBSOCKET}"))
        try:
            async with asyncio.timeout(self.request_timeout):
                return await self.session.ws_connect(
                    url,
                    headers=self._headers(),
                    timeout=aiohttp.ClientWSTimeout(ws_receive=WS_RECEIVE_TIMEOUT_S, ws_close=10.0),
                )
        except aiohttp.WSServerHandshakeError as err:
            if err.status == 401:
                raise BabblefishAuthenticationError("the monitor rejected the token") from err
            raise BabblefishConnectionError(f"WebSocket handshake failed: {err}") from err
        except TimeoutError as err:
            raise BabblefishConnectionError(f"timed out connecting to {url}") from err
        except (aiohttp.ClientError, socket.gaierror) as err:
            raise BabblefishConnectionError(f"cannot reach {url}: {err}") from err

    async def _command(self, command: dict[str, Any]) -> None:
        """Send a command over the live (or a short-lived) connection and await its result."""
        command_id = next(self._ids)
        future: asyncio.Future[CommandResult] = asyncio.get_running_loop().create_future()
        self._pending[command_id] = future
        try:
            if self.connected:
                assert self._ws is not None
                await self._send(self._ws, {**command, "id": command_id})
                async with asyncio.timeout(self.request_timeout):
                    result = await future
            else:
                result = await self._command_once({**command, "id": command_id})
        except TimeoutError as err:
            raise BabblefishConnectionError(f"no answer to {command['type']!r}") from err
        finally:
            self._pending.pop(command_id, None)
        if not result.success:
            raise BabblefishCommandError(result.error or f"{command['type']!r} failed")

    async def _command_once(self, command: dict[str, Any]) -> CommandResult:
        """Connect, send one command and read until its result arrives."""
        async with await self._connect() as ws, asyncio.timeout(self.request_timeout):
            await self._send(ws, command)
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                parsed = parse_message(decode(msg.data))
                if isinstance(parsed, CommandResult) and parsed.id == command["id"]:
                    return parsed
        raise BabblefishConnectionError(f"connection closed before {command['type']!r} answered")

    @staticmethod
    async def _send(ws: aiohttp.ClientWebSocketResponse, payload: dict[str, Any]) -> None:
        try:
            await ws.send_json(payload)
        except (aiohttp.ClientError, ConnectionResetError) as err:
            raise BabblefishConnectionError(f"cannot send {payload['type']!r}: {err}") from err

    async def listen(
        self,
        on_message: Callable[[Message], None],
        *,
        on_disconnect: Callable[[BabblefishError, float], None] | None = None,
    ) -> None:
        """Deliver every message to `on_message`, reconnecting with exponential back-off, forever.

        Never returns; raises BabblefishAuthenticationError or BabblefishProtocolError, which a
        retry cannot fix. `on_disconnect(error, retry_in_s)` is called whenever a connection
        fails or ends, with the wait before the next try: it doubles up to `reconnect_max_s`
        while the monitor stays away, and starts again from `reconnect_initial_s` once a
        connection got as far as the monitor's hello.
        """
        delay = self.reconnect_initial_s
        while True:
            try:
                greeted = await self._listen_once(on_message)
                error: BabblefishError = BabblefishConnectionError(
                    "the monitor closed the connection"
                )
            except BabblefishConnectionError as err:
                greeted, error = False, err
            if greeted:
                delay = self.reconnect_initial_s
            if on_disconnect is not None:
                on_disconnect(error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.reconnect_max_s)

    async def _listen_once(self, on_message: Callable[[Message], None]) -> bool:
        """One connection's life; returns whether the monitor said hello before it ended."""
        greeted = False
        ws = await self._connect()
        self._ws = ws
        try:
            async for msg in self._receive_all(ws):
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                parsed = parse_message(decode(msg.data))
                if isinstance(parsed, CommandResult):
                    future = self._pending.get(parsed.id) if parsed.id is not None else None
                    if future is not None and not future.done():
                        future.set_result(parsed)
                    continue
                if isinstance(parsed, Hello):
                    greeted = True
                if parsed is not None:
                    on_message(parsed)
        finally:
            self._ws = None
            await ws.close()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(BabblefishConnectionError("connection lost"))
        return greeted

    @staticmethod
    async def _receive_all(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[aiohttp.WSMessage]:
        """The connection's messages; a silent monitor (no message, no ping) ends it as lost."""
        try:
            async for msg in ws:
                yield msg
        except TimeoutError as err:
            raise BabblefishConnectionError(
                f"nothing from the monitor for {WS_RECEIVE_TIMEOUT_S:.0f} s"
            ) from err

    async def __aenter__(self) -> Self:
        """Use as an async context manager (nothing to open: the session is the caller's)."""
        return self

    async def __aexit__(self, *_: object) -> None:
        """Close a live WebSocket connection."""
        if self._ws is not None:
            await self._ws.close()
