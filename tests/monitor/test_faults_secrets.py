"""The real `serve` process with a camera URL that carries a password and fails: neither the
password nor the API token appears anywhere in what it prints or logs, even at debug level."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import sys
from pathlib import Path

import pytest

PASSWORD = "hunter2-secret"
TOKEN = "token-that-must-stay-secret"


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
async def test_serve_never_logs_the_camera_password_or_the_token(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: ffmpeg's connection is refused
    source = f"ffmpeg:rtsp://nanny:{PASSWORD}@127.0.0.1:{port}/live"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "babblefish_monitor", "--log-level", "debug", "serve",
        "--source", source, "--host", "127.0.0.1", "--port", "0", "--token", TOKEN,
        "--data-dir", str(tmp_path / "d"), "--no-zeroconf",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    log: list[str] = []
    async with asyncio.timeout(30):
        while sum("restarting" in line for line in log) < 2:  # two failed starts, two restarts
            line = (await process.stderr.readline()).decode()
            assert line, "".join(log)
            log.append(line)
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 20)
    everything = "".join(log) + out.decode() + err.decode()
    assert f"nanny:***@127.0.0.1:{port}" in everything
    assert PASSWORD not in everything
    assert TOKEN not in everything
