"""The API server's faults: auth, bad input, garbage commands, vanishing and silent clients."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from monitor_helpers import auth, receive_until, wait_for, write_recording
from monitor_server import RunningMonitor, running_monitor


@pytest.fixture
async def mon(tmp_path: Path, tone_model_dir: Path) -> AsyncIterator[RunningMonitor]:
    """A monitor on a looping real-time recording (quiet, then a cry)."""
    wav = write_recording(tmp_path / "loop.wav", [("quiet", 1.0), ("cry", 1.0)])
    async with running_monitor(
        source=f"file:{wav}", data_dir=tmp_path / "data", model_dir=tone_model_dir, loop=True
    ) as running:
        yield running


@pytest.mark.parametrize("path", ["info", "state", "history", "ws", "nothing-here"])
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic dGVzdA=="}]
)
async def test_wrong_or_missing_token_is_401(
    mon: RunningMonitor, path: str, headers: dict[str, str]
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{mon.url}/api/v1/{path}", headers=headers) as resp,
    ):
        assert resp.status == 401
        body = await resp.json()
    assert body["error"] == "unauthorized" and mon.token not in json.dumps(body)


async def test_health_needs_no_token_and_reveals_nothing(mon: RunningMonitor) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{mon.url}/api/v1/health") as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}


async def test_websocket_token_in_query_and_bad_history_days(mon: RunningMonitor) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{mon.url}/api/v1/ws?token={mon.token}") as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello["type"] == "hello" and hello["protocol_version"] == 1
            assert set(hello["state"]) >= {"crying", "climate", "source", "model_status"}
        for days in ("0", "367", "seven", "-1", "1.5"):
            url = f"{mon.url}/api/v1/history?days={days}"
            async with session.get(url, headers=auth(mon.token)) as resp:
                assert resp.status == 400
                assert (await resp.json())["error"] == "bad_request"
        async with session.get(f"{mon.url}/api/v1/history", headers=auth(mon.token)) as resp:
            assert len((await resp.json())["days"]) == 7


async def test_commands_and_garbage(mon: RunningMonitor) -> None:
    garbage = [
        "not json",
        "[]",
        "{}",
        '{"id": 5, "type": "explode"}',
        '{"id": 6, "type": "set_sensitivity", "value": "high"}',
        '{"id": 7, "type": "set_sensitivity", "value": 7}',
        '{"id": 8, "type": "set_sensitivity", "value": NaN}',
        "[" * 4000,  # deeper than the JSON parser recurses, under the 4 kB frame limit
        "\x00\xff",
    ]
    async with (
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
        session.ws_connect(f"{mon.url}/api/v1/ws") as ws,
    ):
        await receive_until(ws, lambda m: m["type"] == "hello")
        for text in garbage:
            await ws.send_str(text)
            reply = await receive_until(ws, lambda m: m["type"] == "result")
            assert reply[-1]["success"] is False and reply[-1]["error"], text
        assert reply[-1]["id"] is None
        await ws.send_bytes(b"\x00\x01\x02")
        reply = await receive_until(ws, lambda m: m["type"] == "result")
        assert reply[-1]["success"] is False
        await ws.send_json({"id": 1, "type": "pause"})
        got = await receive_until(ws, lambda m: m["type"] == "state" and m["state"]["paused"])
        assert {"type": "result", "id": 1, "success": True, "error": None} in got
        assert got[-1]["state"]["sound_class"] is None and got[-1]["state"]["scores"] == {}
        await ws.send_json({"id": "s", "type": "set_sensitivity", "value": 0.7})
        await receive_until(ws, lambda m: m["type"] == "state" and m["state"]["sensitivity"] == 0.7)
        await ws.send_json({"type": "resume"})
        await receive_until(ws, lambda m: m["type"] == "state" and not m["state"]["paused"])
        await ws.send_json({"id": 9, "type": "ping"})
        got = await receive_until(ws, lambda m: m["type"] == "result")
        assert got[-1] == {"type": "result", "id": 9, "success": True, "error": None}
        # Still serving, and still listening, after all that.
        await receive_until(ws, lambda m: m["type"] == "state" and m["state"]["sound_class"])


async def raw_websocket(mon: RunningMonitor) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A hand-made WebSocket client with a tiny receive buffer that we can stop reading."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (mon.host, mon.port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    writer.write(
        (
            "GET /api/v1/ws HTTP/1.1\r\n"
            f"Host: {mon.host}:{mon.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {mon.token}\r\n\r\n"
        ).encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def test_vanishing_clients_are_forgotten(mon: RunningMonitor) -> None:
    hub = mon.monitor.hub
    for _ in range(3):
        _reader, writer = await raw_websocket(mon)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        writer.transport.abort()  # gone without a close frame (RST)
    async with (
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
        session.ws_connect(f"{mon.url}/api/v1/ws") as ws,
    ):
        await wait_for(lambda: len(hub.clients) == 1)
        await ws.send_json({"id": 1, "type": "ping"})
        await receive_until(ws, lambda m: m["type"] == "result" and m["id"] == 1)


@pytest.mark.usefixtures("ffmpeg")
async def test_client_that_never_reads_is_dropped_without_stalling_audio(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    source = "ffmpeg:-re -f lavfi -i sine=frequency=440:sample_rate=16000"
    async with running_monitor(
        source=source, data_dir=tmp_path, model_dir=tone_model_dir, send_queue_size=16
    ) as mon:
        monitor, hub = mon.monitor, mon.monitor.hub
        await wait_for(lambda: monitor.blocks_processed > 5)
        reader, writer = await raw_websocket(mon)  # reads the handshake, then never again
        received: list[int] = []

        async def good_client(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                data = json.loads(message.data)
                if data.get("type") == "bulk":
                    received.append(data["n"])

        async with (
            aiohttp.ClientSession(headers=auth(mon.token)) as session,
            session.ws_connect(f"{mon.url}/api/v1/ws") as ws,
        ):
            reading = asyncio.create_task(good_client(ws))
            await wait_for(lambda: len(hub.clients) == 2)
            blocks_before = monitor.blocks_processed
            padding = "x" * 32_000
            loop = asyncio.get_running_loop()
            worst = 0.0
            for n in range(600):
                started = loop.time()
                hub.broadcast({"type": "bulk", "n": n, "padding": padding})
                worst = max(worst, loop.time() - started)
                await asyncio.sleep(0.002)
            await wait_for(lambda: len(hub.clients) == 1)
            await wait_for(lambda: received[-1:] == [599])
            await wait_for(lambda: monitor.blocks_processed > blocks_before + 5)
            await ws.close()
            await reading
        writer.close()
        del reader
    assert received == list(range(600))
    assert worst < 0.05  # broadcasting never waits on a socket


async def test_token_generated_once_and_kept_private(tmp_path: Path) -> None:
    wav = write_recording(tmp_path / "q.wav", [("quiet", 0.5)])
    async with running_monitor(source=f"file:{wav}", data_dir=tmp_path / "d", token=None) as first:
        token, device = first.token, first.monitor.info()["device_id"]
    token_file = tmp_path / "d" / "token"
    assert token_file.read_text().strip() == token and len(token) >= 32
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    async with (
        running_monitor(source=f"file:{wav}", data_dir=tmp_path / "d", token=None) as second,
        aiohttp.ClientSession(headers=auth(token)) as session,
        session.get(f"{second.url}/api/v1/info") as resp,
    ):
        assert resp.status == 200
        assert (await resp.json())["device_id"] == device
