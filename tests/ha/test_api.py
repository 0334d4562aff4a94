"""The client on its own: routes, commands without a listener, and malformed answers."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.babblefish.api import (
    BabblefishAuthenticationError,
    BabblefishClient,
    BabblefishCommandError,
    BabblefishConnectionError,
    BabblefishError,
    BabblefishProtocolError,
)
from custom_components.babblefish.models import CryEvent, Hello, Message, State

from .conftest import wait_until
from .fake_monitor import FakeMonitor, load_fixture


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would inject."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _client(
    monitor: FakeMonitor, session: aiohttp.ClientSession, **kwargs: Any
) -> BabblefishClient:
    return BabblefishClient(monitor.host, monitor.port, monitor.token, session=session, **kwargs)


async def test_routes(monitor: FakeMonitor, session: aiohttp.ClientSession) -> None:
    """Health, info, state and history parse into the models."""
    async with _client(monitor, session) as client:
        assert await client.health()
        info = await client.info()
        assert info.device_id == "3f2a9c1e5b7d4a60b8e2f1c0d9a87654"
        assert "crying" in info.model.labels
        state = await client.state()
        assert state.confidence == 0.95
        assert state.last_episode is not None
        assert state.last_episode.duration_s == 95.0
        history = await client.history(days=2)
        assert [day.day for day in history.days] == ["2026-11-19", "2026-11-20"]
        assert history.episodes[0].peak_score == 0.9812


async def test_commands_without_listener(
    monitor: FakeMonitor, session: aiohttp.ClientSession
) -> None:
    """With no listener running, a command uses a short-lived WebSocket."""
    client = _client(monitor, session)
    await client.pause()
    await client.resume()
    await client.set_sensitivity(0.3)
    assert [c["type"] for c in monitor.commands] == ["pause", "resume", "set_sensitivity"]
    monitor.command_error = "nope"
    with pytest.raises(BabblefishCommandError, match="nope"):
        await client.pause()


async def test_errors(monitor: FakeMonitor, session: aiohttp.ClientSession) -> None:
    """401, bad payloads and unreachable hosts map onto the exception hierarchy."""
    with pytest.raises(BabblefishAuthenticationError):
        await BabblefishClient(monitor.host, monitor.port, "x", session=session).state()
    with pytest.raises(BabblefishAuthenticationError):
        await BabblefishClient(monitor.host, monitor.port, "x", session=session).pause()
    monitor.state = {"no": "crying"}
    with pytest.raises(BabblefishProtocolError):
        await _client(monitor, session).state()
    monitor.history = {"days": [{"day": "x"}]}
    with pytest.raises(BabblefishProtocolError):
        await _client(monitor, session).history()
    monitor.http_status = 404
    with pytest.raises(BabblefishConnectionError, match="404"):
        await _client(monitor, session).info()
    with pytest.raises(BabblefishConnectionError):
        await _client(monitor, session).pause()
    await monitor.drop()
    with pytest.raises(BabblefishConnectionError):
        await _client(monitor, session).info()
    with pytest.raises(BabblefishConnectionError):
        await _client(monitor, session).pause()


async def _client_of(
    handler: Any, session: aiohttp.ClientSession, **kwargs: Any
) -> AsyncIterator[BabblefishClient]:
    """A client (token "t") of a loopback server whose every GET goes to `handler`."""
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield BabblefishClient("127.0.0.1", port, "t", session=session, **kwargs)
    finally:
        await runner.cleanup()


async def _html(request: web.Request) -> web.Response:
    return web.Response(text="<html>")


async def _json_list(request: web.Request) -> web.Response:
    return web.json_response([1, 2])


async def _never(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response()


async def _unavailable(request: web.Request) -> web.Response:
    return web.Response(status=503)


@pytest.mark.parametrize(
    ("handler", "timeout", "call", "refusal"),
    [
        pytest.param(_html, 10.0, "info", (BabblefishProtocolError, "JSON"), id="html"),
        pytest.param(_json_list, 10.0, "info", (BabblefishProtocolError, "list"), id="json-list"),
        pytest.param(_never, 0.05, "info", (BabblefishConnectionError, "timed out"), id="silent"),
        pytest.param(
            _never, 0.05, "pause", (BabblefishConnectionError, "timed out"), id="silent-socket"
        ),
        pytest.param(
            _unavailable, 10.0, "pause", (BabblefishConnectionError, "handshake"), id="ws-refused"
        ),
    ],
)
async def test_a_server_that_is_not_a_monitor_is_refused(
    session: aiohttp.ClientSession,
    handler: Any,
    timeout: float,
    call: str,
    refusal: tuple[type[BabblefishError], str],
) -> None:
    """HTML or a JSON list is a protocol error; a server that never answers times out, and a
    non-401 handshake failure is a connection error."""
    error, match = refusal
    async for client in _client_of(handler, session, request_timeout=timeout):
        with pytest.raises(error, match=match):
            await getattr(client, call)()


async def test_websocket_garbage_and_early_close(session: aiohttp.ClientSession) -> None:
    """Non-JSON on the socket is a protocol error; a socket closed before the reply is not."""
    mode = {"garbage": True}

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if mode["garbage"]:
            await ws.send_str("not json")
            await asyncio.sleep(1)
        else:
            await ws.receive()
            await ws.send_json({"type": "result", "id": 999, "success": True, "error": None})
        await ws.close()
        return ws

    async for client in _client_of(
        handler, session, reconnect_initial_s=0.01, reconnect_max_s=0.02
    ):
        with pytest.raises(BabblefishProtocolError, match="non-JSON"):
            await client.listen(lambda message: None)
        mode["garbage"] = False
        with pytest.raises(BabblefishConnectionError, match="closed before"):
            await client.pause()


async def test_listen_reconnects_with_backoff(
    monitor: FakeMonitor, session: aiohttp.ClientSession
) -> None:
    """The listener delivers hello, state, events and reconnects after a drop; while the monitor
    is away each wait doubles up to the cap, and a connection that got a hello starts it over."""
    received: list[Message] = []
    disconnects: list[tuple[float, float]] = []  # (when, the wait announced before the next try)
    hellos_at: list[int] = []  # how many disconnects had happened when each hello arrived

    def on_message(message: Message) -> None:
        received.append(message)
        if isinstance(message, Hello):
            hellos_at.append(len(disconnects))

    def on_disconnect(err: BabblefishError, retry_in_s: float) -> None:
        assert isinstance(err, BabblefishConnectionError)
        disconnects.append((time.monotonic(), retry_in_s))

    client = _client(monitor, session, reconnect_initial_s=0.02, reconnect_max_s=0.08)
    task = asyncio.create_task(client.listen(on_message, on_disconnect=on_disconnect))
    try:
        async with asyncio.timeout(10):
            await monitor.connected.wait()
            await monitor.push(load_fixture("event_cry_started.json"))
            await monitor.push({"type": "event", "event": "cry_paused", "data": {}})
            await monitor.push({"type": "future_thing"})
            await monitor.push_state(load_fixture("state_crying.json"))
            await wait_until(lambda: len(received) >= 3)
            assert client.connected
            await client.set_sensitivity(0.4)
            await monitor.drop()
            await wait_until(lambda: len(disconnects) >= 6)
            await monitor.start()
            await wait_until(lambda: len(hellos_at) >= 2)
            await monitor.drop()
            await wait_until(lambda: len(disconnects) > hellos_at[1])
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [type(m) for m in received] == [Hello, CryEvent, State, State, Hello]
    assert isinstance(received[2], State) and received[2].crying
    assert isinstance(received[3], State) and received[3].sensitivity == 0.4
    waits = [retry_in for _, retry_in in disconnects]
    assert waits[:6] == [0.02, 0.04, 0.08, 0.08, 0.08, 0.08]
    # The announced wait is really waited: the next try never comes sooner.
    for (at, retry_in), (next_at, _) in itertools.pairwise(disconnects[:6]):
        assert next_at - at >= retry_in * 0.9
    assert waits[hellos_at[1]] == 0.02
