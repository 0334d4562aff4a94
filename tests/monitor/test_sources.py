"""Audio sources over real programs and files: spec parsing, conversion, restarts, clear errors."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile
from babblefish_monitor.audio.sources import (
    AudioSource,
    ProcessSource,
    RestartPolicy,
    SourceError,
    open_source,
)

FAST = RestartPolicy(start_timeout=2.0, stall_timeout=0.5, backoff_initial=0.05, backoff_max=0.2)


async def collect(source: AudioSource, samples: int, limit: float = 10.0) -> np.ndarray:
    """Read blocks until `samples` samples arrived (or the source ended); fails on timeout."""

    async def read() -> np.ndarray:
        got: list[np.ndarray] = []
        total = 0
        async for block in source.blocks():
            assert block.dtype == np.int16 and block.ndim == 1
            got.append(block)
            total += block.size
            if total >= samples:
                break
        return np.concatenate(got) if got else np.zeros(0, np.int16)

    return await asyncio.wait_for(read(), limit)


async def wait_for(condition: Callable[[], bool], limit: float = 10.0) -> None:
    """Poll a condition until true; a failed test, not a hang, when it never comes."""
    async with asyncio.timeout(limit):
        while not condition():  # noqa: ASYNC110 - a condition on plain attributes, not an event
            await asyncio.sleep(0.01)


def write_tone(
    path: Path, rate: int, channels: int, seconds: float = 1.0, hz: float = 440.0
) -> None:
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.5 * np.sin(2 * np.pi * hz * t)
    soundfile.write(str(path), np.repeat(tone[:, None], channels, axis=1), rate, subtype="PCM_16")


# --- specs and errors -------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["", "mic", "http://x", "bluetooth:00:11"])
def test_unknown_scheme_is_a_clear_error(spec: str) -> None:
    with pytest.raises(SourceError, match="use alsa:<device>, pulse"):
        open_source(spec)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        open_source(f"file:{tmp_path / 'nope.flac'}")
    with pytest.raises(SourceError, match="needs a path"):
        open_source("file:")


def test_not_audio_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_text("not a wave file")
    with pytest.raises(SourceError, match=r"cannot read .* as audio"):
        open_source(f"file:{junk}")


def test_missing_program_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SourceError, match="arecord is not installed"):
        open_source("alsa:hw:1,0")
    with pytest.raises(SourceError, match="parec is not installed"):
        open_source("pulse")


@pytest.mark.usefixtures("ffmpeg")
def test_specs_build_the_documented_commands() -> None:
    rtsp = open_source("ffmpeg:rtsp://cam.local/audio")
    assert isinstance(rtsp, ProcessSource)
    assert rtsp.argv[-10:] == ["-i", "rtsp://cam.local/audio", "-vn", "-ac", "1", "-ar", "16000",
                               "-f", "s16le", "-"]  # fmt: skip
    assert "-rtsp_transport" in rtsp.argv and rtsp.argv[-1] == "-"
    lavfi = open_source("ffmpeg:-f lavfi -i sine=frequency=440")
    assert isinstance(lavfi, ProcessSource)
    assert lavfi.argv[lavfi.argv.index("-f") : lavfi.argv.index("-f") + 4] == [
        "-f", "lavfi", "-i", "sine=frequency=440"
    ]  # fmt: skip
    with pytest.raises(SourceError, match="need '-i <input>'"):
        open_source("ffmpeg:-f lavfi")
    # arecord and parec come from alsa-utils and pulseaudio-utils, which .ci/run installs.
    alsa = open_source("alsa:hw:1,0")
    assert isinstance(alsa, ProcessSource)
    assert alsa.argv[1:] == [
        "-q",
        "-D",
        "hw:1,0",
        "-t",
        "raw",
        "-f",
        "S16_LE",
        "-r",
        "16000",
        "-c",
        "1",
    ]
    assert open_source("alsa").argv[3] == "default"  # type: ignore[attr-defined]
    pulse = open_source("pulse:nursery.monitor")
    assert isinstance(pulse, ProcessSource)
    assert "--device=nursery.monitor" in pulse.argv and "--rate=16000" in pulse.argv
    assert not any(a.startswith("--device") for a in open_source("pulse").argv)  # type: ignore[attr-defined]


# --- files ------------------------------------------------------------------------------------


async def test_native_file_is_read_bit_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    audio = rng.integers(-20000, 20000, 16000 * 2 + 123, dtype=np.int16)
    path = tmp_path / "native.flac"
    soundfile.write(str(path), audio, 16000, subtype="PCM_16")
    source = open_source(f"file:{path}", realtime=False)
    got = await collect(source, 10**9)
    np.testing.assert_array_equal(got, audio)
    assert source.status == "ended" and source.error is None


@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (48000, 1), (8000, 1), (22050, 6)])
async def test_other_rates_and_channels_become_16k_mono(
    tmp_path: Path, rate: int, channels: int
) -> None:
    path = tmp_path / f"tone-{rate}-{channels}.wav"
    write_tone(path, rate, channels, seconds=2.0, hz=1000.0)
    got = await collect(open_source(f"file:{path}", realtime=False), 10**9)
    assert abs(got.size - 32000) <= 40
    # A 1 kHz tone at half scale survives as a 1 kHz tone at half scale.
    middle = got[2000:-2000].astype(np.float64) / 32768
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(middle.size)))
    assert abs(np.argmax(spectrum) * 16000 / middle.size - 1000) < 5
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


async def test_realtime_file_is_paced(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    write_tone(path, 16000, 1, seconds=0.5)
    loop = asyncio.get_running_loop()
    start = loop.time()
    got = await collect(open_source(f"file:{path}"), 10**9)
    assert got.size == 8000
    assert loop.time() - start >= 0.35  # 0.5 s of audio cannot arrive much faster than 0.5 s


async def test_looped_file_keeps_going_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "loop.wav"
    write_tone(path, 16000, 1, seconds=0.3)
    source = open_source(f"file:{path}", realtime=False, loop=True)
    got = await collect(source, 16000 * 3)
    assert got.size >= 16000 * 3
    await source.close()
    assert source.status == "ended"


# --- capture programs -------------------------------------------------------------------------


@pytest.mark.usefixtures("ffmpeg")
async def test_ffmpeg_lavfi_source_delivers_a_tone() -> None:
    statuses: list[str] = []
    source = open_source(
        "ffmpeg:-f lavfi -i sine=frequency=1000:sample_rate=44100",
        on_status=lambda s: statuses.append(s.status),
    )
    got = await collect(source, 16000)
    await source.close()
    assert statuses[:1] == ["running"] and source.status == "ended"
    spectrum = np.abs(np.fft.rfft(got[:16000].astype(np.float64)))
    assert abs(np.argmax(spectrum) - 1000) <= 2  # 1 Hz per bin over one second


@pytest.mark.usefixtures("ffmpeg")
async def test_process_that_exits_is_restarted_and_blocks_continue() -> None:
    # Each life of ffmpeg makes 0.3 s of audio and exits; blocks() carries on across restarts.
    statuses: list[tuple[str, str | None]] = []
    source = open_source(
        "ffmpeg:-f lavfi -i sine=frequency=440:duration=0.3",
        policy=FAST,
        on_status=lambda s: statuses.append((s.status, s.error)),
    )
    got = await collect(source, 16000 * 2)
    await source.close()
    assert got.size >= 32000 and source.restarts >= 6
    restarting = [error for status, error in statuses if status == "restarting"]
    assert restarting and "exited with code 0" in (restarting[0] or "")


async def test_process_that_hangs_is_killed_and_restarted() -> None:
    # Sends one block, then goes silent without exiting: the stall timeout must catch it.
    script = (
        "import sys, time; sys.stdout.buffer.write(bytes(3200)); sys.stdout.flush(); time.sleep(60)"
    )
    source = ProcessSource([sys.executable, "-c", script], name="hang", policy=FAST)
    got = await collect(source, 1600 * 3, limit=15)
    assert got.size == 1600 * 3 and source.restarts >= 2
    await source.close()


async def test_process_that_never_starts_reports_and_retries_with_backoff() -> None:
    errors: list[str | None] = []
    source = ProcessSource(
        ["/nonexistent/arecord"],
        name="ghost",
        policy=FAST,
        on_status=lambda s: errors.append(s.error),
    )
    consumer = asyncio.create_task(collect(source, 1600, limit=30))
    await wait_for(lambda: source.restarts >= 3)
    assert source.status == "restarting"
    assert "cannot start /nonexistent/arecord" in (source.error or "")
    await source.close()
    got = await asyncio.wait_for(consumer, 5)
    assert got.size == 0 and source.status == "ended"


async def test_process_silent_at_start_hits_the_start_timeout() -> None:
    policy = RestartPolicy(start_timeout=0.3, stall_timeout=5, backoff_initial=0.05, max_restarts=1)
    source = ProcessSource(
        [sys.executable, "-c", "import time; time.sleep(60)"], name="mute", policy=policy
    )
    got = await collect(source, 1600, limit=15)
    assert got.size == 0
    assert source.status == "failed"
    assert "no audio for 0.3 s after starting" in (source.error or "")
    assert "gave up after 1 restarts" in (source.error or "")


async def test_exit_code_and_stderr_are_in_the_error() -> None:
    script = "import sys; sys.stderr.write('audio open error: No such device\\n'); sys.exit(3)"
    source = ProcessSource(
        [sys.executable, "-c", script],
        name="broken",
        policy=RestartPolicy(backoff_initial=0.01, max_restarts=0),
    )
    await collect(source, 1600, limit=10)
    assert source.status == "failed"
    assert "exited with code 3: audio open error: No such device" in (source.error or "")


async def test_odd_chunking_is_reassembled_into_whole_blocks() -> None:
    # 3 writes of 1001 bytes of a ramp: whole 1600-sample blocks must come out in order.
    script = (
        "import sys, time\n"
        "data = bytes(range(256)) * 100\n"
        "for i in range(0, len(data), 1001):\n"
        "    sys.stdout.buffer.write(data[i:i+1001]); sys.stdout.flush()\n"
    )
    source = ProcessSource(
        [sys.executable, "-c", script], name="chunks", policy=RestartPolicy(max_restarts=0)
    )
    got = await collect(source, 10**9)
    expected = np.frombuffer((bytes(range(256)) * 100)[: 3200 * 8], dtype="<i2")
    np.testing.assert_array_equal(got, expected)


async def test_close_does_not_hang_on_a_program_blocked_on_a_full_pipe(tmp_path: Path) -> None:
    """A consumer that stops reading leaves the program blocked in write() and deaf to SIGTERM.

    Python >= 3.12 only finishes `Process.wait()` once the pipes close, so closing must drain.
    """
    ready = tmp_path / "blocked"
    script = (
        "import signal, sys, pathlib\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "out = sys.stdout.buffer\n"
        "out.write(bytes(3200)); out.flush()\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "while True: out.write(bytes(65536)); out.flush()\n"
    )
    source = ProcessSource([sys.executable, "-c", script], name="flood", policy=FAST)
    blocks = source.blocks()
    first = await anext(blocks)
    assert first.size == 1600
    async with asyncio.timeout(10):
        while not ready.exists():  # noqa: ASYNC110 - the program signals through a file
            await asyncio.sleep(0.01)
    async with asyncio.timeout(5):
        await source.close()
        await blocks.aclose()
    assert source.status == "ended"
