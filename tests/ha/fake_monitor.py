"""A real aiohttp server on loopback speaking protocol v1 from fixture payloads; it can drop."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "test-token"


def load_fixture(name: str) -> dict[str, Any]:
    """One JSON payload from tests/ha/fixtures."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


class FakeMonitor:
    """Serves /api/v1 like the monitor; tests edit `info`/`state`, push, and drop the link."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.info = load_fixture("info.json")
        self.state = load_fixture("state.json")
        self.history = load_fixture("history.json")
        self.adaptation = load_fixture("adaptation.json")
        self.commands: list[dict[str, Any]] = []
        self.labels: list[dict[str, Any]] = []
        self.command_error: str | None = None
        self.http_status: int | None = None
        self.sockets: set[web.WebSocketResponse] = set()
        self.connected = asyncio.Event()
        self.host = "127.0.0.1"
        self.port = 0
        self._runner: web.AppRunner | None = None

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        return header == f"Bearer {self.token}" or request.query.get("token") == self.token

    def _guard(self, request: web.Request) -> web.Response | None:
        if self.http_status is not None:
            return web.json_response({"error": "broken"}, status=self.http_status)
        if not self._authorised(request):
            return web.json_response({"error": "unauthorized", "message": "bad token"}, status=401)
        return None

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    def _serve(self, attribute: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        """A GET handler answering the payload this fake currently holds in `attribute`."""

        async def handler(request: web.Request) -> web.Response:
            refused = self._guard(request)
            return refused if refused is not None else web.json_response(getattr(self, attribute))

        return handler

    def _episode(self, episode_id: object) -> dict[str, Any] | None:
        """The episode with this id in the history or the state, None when there is none."""
        last = self.state.get("last_episode")
        for episode in [*self.history["episodes"], *([last] if last else [])]:
            if episode["id"] == episode_id:
                return episode
        return None

    async def _add_label(self, request: web.Request) -> web.Response:
        """POST labels as the monitor answers it: 201, or 400/404/409 with its error body."""
        if (refused := self._guard(request)) is not None:
            return refused
        body = await request.json()
        episode = self._episode(body.get("episode_id"))
        if body.get("verdict") not in {"crying", "not_crying"}:
            error = (
                "bad_request",
                400,
                f"verdict must be 'crying' or 'not_crying', got {body.get('verdict')!r}",
            )
        elif episode is None:
            error = ("unknown_episode", 404, f"there is no cry episode {body.get('episode_id')}")
        elif episode["end"] is None:
            error = ("running", 409, "the episode is still running: label it once it has ended")
        else:
            self.labels.append(body)
            return web.json_response({"label": body, "message": None, "adaptation": {}}, status=201)
        code, status, message = error
        return web.json_response({"error": code, "message": message}, status=status)

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        self.sockets.add(ws)
        await ws.send_json(
            {
                "type": "hello",
                "protocol_version": self.info["protocol_version"],
                "info": self.info,
                "state": self.state,
            }
        )
        self.connected.set()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._command(ws, json.loads(msg.data))
        finally:
            self.sockets.discard(ws)
            if not self.sockets:
                self.connected.clear()
        return ws

    async def _command(self, ws: web.WebSocketResponse, command: dict[str, Any]) -> None:
        self.commands.append(command)
        error = self.command_error
        if error is None:
            if command["type"] == "pause":
                self.state["paused"] = True
            elif command["type"] == "resume":
                self.state["paused"] = False
            elif command["type"] == "set_sensitivity":
                self.state["sensitivity"] = command["value"]
        await ws.send_json(
            {"type": "result", "id": command.get("id"), "success": error is None, "error": error}
        )
        if error is None and command["type"] != "ping":
            await self.push({"type": "state", "state": self.state})

    async def push(self, message: dict[str, Any]) -> None:
        """Send one message to every connected client."""
        for ws in list(self.sockets):
            await ws.send_json(message)

    async def push_state(self, state: dict[str, Any]) -> None:
        """Make `state` current and push it."""
        self.state = copy.deepcopy(state)
        await self.push({"type": "state", "state": self.state})

    async def start(self) -> None:
        """Listen on loopback (the same port again after a drop)."""
        app = web.Application()
        app.router.add_get("/api/v1/health", self._health)
        app.router.add_get("/api/v1/info", self._serve("info"))
        app.router.add_get("/api/v1/state", self._serve("state"))
        app.router.add_get("/api/v1/history", self._serve("history"))
        app.router.add_get("/api/v1/adaptation", self._serve("adaptation"))
        app.router.add_get("/api/v1/ws", self._ws)
        app.router.add_post("/api/v1/labels", self._add_label)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def drop(self) -> None:
        """Close every connection and stop listening, like a monitor that went away."""
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def stop(self) -> None:
        """Shut down for good."""
        await self.drop()
