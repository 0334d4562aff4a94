"""Hostile clients against the real server: bad credentials, huge frames and numbers, half-open
requests, too many connections, and a process that runs out of descriptors."""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from babblefish_monitor.api.guards import AcceptErrorFilter
from monitor_helpers import auth, receive_until, write_recording
from monitor_server import RunningMonitor, running_monitor

HANDSHAKE = (
    "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


@pytest.fixture
async def mon(tmp_path: Path) -> AsyncIterator[RunningMonitor]:
    wav = write_recording(tmp_path / "loop.wav", [("quiet", 1.0)])
    async with running_monitor(source=f"file:{wav}", data_dir=tmp_path / "d", loop=True) as m:
        yield m


async def raw_request(mon: RunningMonitor, head: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(mon.host, mon.port)
    writer.write(head)
    try:
        return await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "value", [b"Bearer \xff\xfe\xfd", b"\xc3\x28", b"Bearer test-token\xff", b"Bearer \xed\xa0\x80"]
)
async def test_undecodable_credentials_are_401(mon: RunningMonitor, value: bytes) -> None:
    head = b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\nAuthorization: " + value + b"\r\n\r\n"
    reply = await raw_request(mon, head)
    assert reply.startswith(b"HTTP/1.1 401"), reply[:200]


async def test_an_oversized_frame_is_refused_from_its_header(mon: RunningMonitor) -> None:
    reader, writer = await asyncio.open_connection(mon.host, mon.port)
    writer.write(f"{HANDSHAKE}Authorization: Bearer {mon.token}\r\n\r\n".encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101")
    # A masked text frame that announces 200 MB, and the first bytes of it: the server must hang up
    # on the header alone (aiohttp by itself buffers the whole frame before checking its size).
    length = 200 * 1024 * 1024
    writer.write(bytes([0x81, 0xFF]) + length.to_bytes(8, "big") + b"\0\0\0\0" + b"a" * 100)
    data = b""
    async with asyncio.timeout(5):
        while chunk := await reader.read(4096):
            data += chunk
    assert b"\x88\x02\x03\xf1" in data  # close 1009, message too big; then the server hung up
    writer.close()


async def test_huge_numbers_in_commands_are_refused_without_a_traceback(
    mon: RunningMonitor, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
        session.ws_connect(f"{mon.url}/api/v1/ws") as ws,
    ):
        await receive_until(ws, lambda m: m["type"] == "hello")
        for value in ("9" * 3900, "1" + "0" * 400, "1e400", "-1e400"):
            await ws.send_str(f'{{"id": 1, "type": "set_sensitivity", "value": {value}}}')
            reply = await receive_until(ws, lambda m: m["type"] == "result")
            assert reply[-1]["success"] is False and "number" in reply[-1]["error"]
        await ws.send_str('{"id": 2, "type": "set_sensitivity", "value": 0.25}')
        reply = await receive_until(ws, lambda m: m["type"] == "result")
        assert reply[-1]["success"] is True
    assert "Traceback" not in caplog.text


async def test_half_open_requests_are_cut_off(mon: RunningMonitor) -> None:
    assert mon.monitor.server is not None
    mon.monitor.server.limits.header_timeout = 0.5
    reader, writer = await asyncio.open_connection(mon.host, mon.port)
    writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    async with asyncio.timeout(5):
        assert await reader.read() == b""  # the server closed it
    writer.close()


async def test_connection_limit_refuses_extra_clients_and_frees_slots(mon: RunningMonitor) -> None:
    assert mon.monitor.server is not None
    limits = mon.monitor.server.limits
    limits.max_connections = 5
    idle = [await asyncio.open_connection(mon.host, mon.port) for _ in range(5)]
    async with asyncio.timeout(5):
        while limits.open < 5:  # noqa: ASYNC110 - the server counts on its own schedule
            await asyncio.sleep(0.01)
    extra_reader, extra_writer = await asyncio.open_connection(mon.host, mon.port)
    async with asyncio.timeout(5):
        assert await extra_reader.read() == b""
    extra_writer.close()
    for _reader, writer in idle:
        writer.close()
    async with asyncio.timeout(5):
        while limits.open:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    async with aiohttp.ClientSession() as session, session.get(f"{mon.url}/api/v1/health") as r:
        assert r.status == 200


def test_accept_errors_are_logged_once_a_minute_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    handler = AcceptErrorFilter(None)
    handler.log._clock = lambda: now[0]
    loop = asyncio.new_event_loop()
    context = {"message": "socket.accept() out of system resource", "exception": OSError(24, "x")}
    with caplog.at_level(logging.WARNING):
        for _ in range(40_000):
            handler(loop, context)
        now[0] = 61.0
        handler(loop, context)
    loop.close()
    lines = [r.getMessage() for r in caplog.records if "accept" in r.getMessage()]
    assert len(lines) == 2 and "39999 more times" in lines[1]


@pytest.mark.slow
async def test_descriptor_exhaustion_keeps_serving_and_barely_logs(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    """The real process under `ulimit -n 64`, flooded with 300 connections."""
    wav = write_recording(tmp_path / "loop.wav", [("quiet", 1.0), ("cry", 1.0)])

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "babblefish_monitor", "serve", "--source", f"file:{wav}", "--loop",
        "--model", str(tone_model_dir), "--host", "127.0.0.1", "--port", "0",
        "--data-dir", str(tmp_path / "d"), "--no-zeroconf", "--token", "test-token-123",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, preexec_fn=low_limit,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    port = int(line.decode().rsplit(":", 1)[1].split("/")[0])
    url = f"http://127.0.0.1:{port}/api/v1"
    flood = []
    for _ in range(300):
        try:
            flood.append(await asyncio.open_connection("127.0.0.1", port))
        except OSError:
            break
    async with aiohttp.ClientSession(headers=auth("test-token-123")) as session:
        # The flood holds every slot until the header deadline cuts it; the file source, which
        # reopens its file on every loop, still has descriptors, and the API comes back.
        async with asyncio.timeout(30):
            while True:
                try:
                    async with session.get(f"{url}/state") as resp:
                        state = await resp.json()
                        if (
                            state["source"]["status"] == "running"
                            and state["sound_level"]["rms_dbfs"]
                        ):
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.5)
        for _reader, writer in flood:
            writer.close()
    process.terminate()
    _out, err = await asyncio.wait_for(process.communicate(), 20)
    log = err.decode()
    assert log.count("\n") < 40, log[-3000:]
    assert "Traceback" not in log
