"""Real PulseAudio capture: a private daemon, a null sink, a tone played in, its monitor read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.audio.sources import open_source
from pulse_daemon import SINK, pulse_missing, pulse_null_sink


@pytest.fixture
def pulse_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A private pulseaudio daemon with a null sink; PULSE_SERVER points every client at it."""
    missing = pulse_missing()
    if missing is not None:
        pytest.fail(missing)  # the message names the Debian packages; .ci/run installs them
    with pulse_null_sink(tmp_path, SINK) as client_env:
        for key in ("PULSE_SERVER", "HOME", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH"):
            monkeypatch.setenv(key, client_env[key])
        yield client_env


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
