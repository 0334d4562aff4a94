"""Real PulseAudio capture: a private daemon, a null sink, a tone played in, its monitor read."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.sources import open_source

pytestmark = pytest.mark.skipif(
    not all(shutil.which(p) for p in ("pulseaudio", "parec", "pacat", "pactl")),
    reason="pulseaudio, parec, pacat and pactl are needed (Debian: pulseaudio, pulseaudio-utils)",
)

SINK = "babblefish_test"


@pytest.fixture
def pulse_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A private pulseaudio daemon with a null sink; PULSE_SERVER points every client at it."""
    runtime = tmp_path / "pulse"
    runtime.mkdir(mode=0o700)
    socket_path = runtime / "native"
    env = dict(os.environ, HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path),
               PULSE_RUNTIME_PATH=str(runtime))  # fmt: skip
    daemon = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes",
         "--use-pid-file=no", "--log-target=stderr",
         "-L", f"module-native-protocol-unix auth-anonymous=1 socket={socket_path}",
         "-L", f"module-null-sink sink_name={SINK} rate=16000 channels=1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    client_env = dict(env, PULSE_SERVER=f"unix:{socket_path}")
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(
            ["pactl", "info"], env=client_env, capture_output=True, check=False
        ).returncode:
            if daemon.poll() is not None or time.monotonic() > deadline:
                err = daemon.stderr.read().decode() if daemon.stderr else ""
                pytest.fail(f"pulseaudio did not come up: {err[-2000:]}")
            time.sleep(0.05)  # polling a condition (the daemon answering), with a deadline
        for key in ("PULSE_SERVER", "HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH"):
            monkeypatch.setenv(key, client_env[key])
        yield client_env
    finally:
        daemon.terminate()
        try:
            daemon.wait(5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


async def test_null_sink_monitor_is_captured(pulse_server: dict[str, str], tmp_path: Path) -> None:
    rate, seconds, hz = 16000, 20, 1000.0
    t = np.arange(rate * seconds) / rate
    (tmp_path / "tone.raw").write_bytes(
        (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes()
    )
    player = await asyncio.create_subprocess_exec(
        "pacat", "--playback", f"--device={SINK}", "--format=s16le", f"--rate={rate}",
        "--channels=1", str(tmp_path / "tone.raw"), env=pulse_server,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    source = open_source(f"pulse:{SINK}.monitor")
    try:

        async def tone_heard() -> np.ndarray:
            async for block in source.blocks():
                spectrum = np.abs(np.fft.rfft(block.astype(np.float64)))
                peak_hz = np.argmax(spectrum) * rate / block.size
                if (
                    abs(peak_hz - hz) <= 20
                    and np.sqrt(np.mean(block.astype(np.float64) ** 2)) > 3000
                ):
                    return block
            raise AssertionError(f"source ended: {source.status} {source.error}")

        block = await asyncio.wait_for(tone_heard(), 15)
        assert block.dtype == np.int16 and block.size == 1600
        assert source.status == "running" and source.error is None
    finally:
        await source.close()
        player.terminate()
        await player.wait()
