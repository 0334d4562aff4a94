"""The HTTP + WebSocket API of docs/protocol.md: token auth, JSON routes, bounded push queues."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from . import protocol
from .guards import AcceptErrorFilter, GuardedRunner, Limits

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_S = 20.0
SEND_QUEUE_SIZE = 256
MAX_COMMAND_BYTES = 4 * 1024  # the longest command is well under 200 bytes
_CLOSE_TIMEOUT_S = 2.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class MonitorApi(Protocol):
    """What the server needs from the monitor service."""

    def health(self) -> tuple[bool, dict[str, object]]: ...

    def info(self) -> protocol.Info: ...

    def state(self) -> protocol.State: ...

    def history(self, days: int) -> protocol.History: ...

    def handle_command(self, command: protocol.Command) -> str | None: ...


class Client:
    """One WebSocket client: a bounded queue of encoded messages drained by its own writer task."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, queue_size: int) -> None:
        self.ws = ws
        self.peer = request.remote or "?"
        self._transport = request.transport
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize=queue_size)
        self.dropped = False
        self.writer: asyncio.Task[None] | None = None

    def send(self, text: str) -> bool:
        """Queue a message without waiting; a full queue means the client is not reading."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.drop("send queue full (client not reading)")
            return False
        return True

    def drop(self, reason: str) -> None:
        """Cut the connection at once; never waits on the peer."""
        if self.dropped:
            return
        self.dropped = True
        _LOGGER.warning("dropping WebSocket client %s: %s", self.peer, reason)
        if self.writer is not None:
            self.writer.cancel()
        if self._transport is not None:
            self._transport.abort()

    async def write_loop(self) -> None:
        """Send queued messages in order; a failed send drops the client."""
        while True:
            text = await self.queue.get()
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError) as err:
                self.drop(f"send failed: {err}")
                return


class ClientHub:
    """Fans messages out to every connected client; encodes each message once."""

    def __init__(self, queue_size: int = SEND_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self.clients: set[Client] = set()

    def broadcast(self, message: dict[str, Any]) -> None:
        """Queue a message for every client; never awaits, so no client can stall the audio."""
        if not self.clients:
            return
        text = json.dumps(message, separators=(",", ":"))
        for client in list(self.clients):
            if not client.send(text):
                self.clients.discard(client)

    async def close_all(self) -> None:
        """Close every client politely, or abort it when it does not answer in time."""
        clients, self.clients = list(self.clients), set()
        for client in clients:
            if client.writer is not None:
                client.writer.cancel()
            try:
                async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                    await client.ws.close(code=1001, message=b"monitor shutting down")
            except (TimeoutError, ConnectionError, RuntimeError):
                client.drop("did not close in time")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


def _matches(presented: str, expected: bytes) -> bool:
    """Constant-time comparison that any header text survives (aiohttp keeps undecodable bytes as
    surrogates, which a plain encode() refuses)."""
    return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), expected)


def _presented_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.path == f"{protocol.API_PREFIX}/ws":
        return request.query.get("token")
    return None


class ApiServer:
    """The aiohttp application and its TCP site."""

    def __init__(self, api: MonitorApi, token: str, hub: ClientHub) -> None:
        self.api = api
        self.hub = hub
        self._token = token.encode()
        self._runner: web.AppRunner | None = None
        self.limits = Limits(MAX_COMMAND_BYTES)
        self._accept_filter: AcceptErrorFilter | None = None
        self._site: web.TCPSite | None = None
        self.port = 0
        self.app = self._make_app()

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._auth_middleware])
        prefix = protocol.API_PREFIX
        app.router.add_get(f"{prefix}/health", self._health)
        app.router.add_get(f"{prefix}/info", self._info)
        app.router.add_get(f"{prefix}/state", self._state)
        app.router.add_get(f"{prefix}/history", self._history)
        app.router.add_get(f"{prefix}/ws", self._websocket)
        return app

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # The panel page itself holds no data; every call it makes presents the token.
        if request.path == f"{protocol.API_PREFIX}/health" or request.path.startswith("/panel"):
            return await handler(request)
        presented = _presented_token(request)
        if presented is None or not _matches(presented, self._token):
            message = "missing bearer token" if presented is None else "wrong token"
            return _json(protocol.error_body("unauthorized", message), 401)
        return await handler(request)

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port (port 0 picks a free one, then `self.port` tells which)."""
        loop = asyncio.get_running_loop()
        self._accept_filter = AcceptErrorFilter(loop.get_exception_handler())
        loop.set_exception_handler(self._accept_filter)
        self._runner = GuardedRunner(
            self.app, self.limits, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port)
        await self._site.start()
        server = self._site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else port

    async def stop(self) -> None:
        """Close WebSockets first (they would hold the shutdown), then the listener."""
        await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._accept_filter is not None:
            asyncio.get_running_loop().set_exception_handler(self._accept_filter.previous)
            self._accept_filter = None

    async def _health(self, request: web.Request) -> web.Response:
        healthy, body = self.api.health()
        return _json(body, 200 if healthy else 503)

    async def _info(self, request: web.Request) -> web.Response:
        return _json(self.api.info())

    async def _state(self, request: web.Request) -> web.Response:
        return _json(self.api.state())

    async def _history(self, request: web.Request) -> web.Response:
        raw = request.query.get("days", str(protocol.DEFAULT_HISTORY_DAYS))
        try:
            days = int(raw)
        except ValueError:
            days = 0
        if not 1 <= days <= protocol.MAX_HISTORY_DAYS:
            message = f"days must be an integer from 1 to {protocol.MAX_HISTORY_DAYS}, got {raw!r}"
            return _json(protocol.error_body("bad_request", message), 400)
        return _json(self.api.history(days))

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_COMMAND_BYTES)
        await ws.prepare(request)
        client = Client(ws, request, self.hub.queue_size)
        client.send(json.dumps(protocol.hello_message(self.api.info(), self.api.state())))
        self.hub.clients.add(client)
        client.writer = asyncio.create_task(client.write_loop(), name=f"ws-writer-{client.peer}")
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    client.send(json.dumps(self._command_reply(message.data)))
                elif message.type == WSMsgType.BINARY:
                    reply = protocol.result_message(None, "binary messages are not commands")
                    client.send(json.dumps(reply))
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self.hub.clients.discard(client)
            if client.writer is not None:
                client.writer.cancel()
                await asyncio.gather(client.writer, return_exceptions=True)
        return ws

    def _command_reply(self, text: str) -> dict[str, Any]:
        try:
            command = protocol.parse_command(text)
        except protocol.CommandError as err:
            return protocol.result_message(err.command_id, str(err))
        return protocol.result_message(command.id, self.api.handle_command(command))
