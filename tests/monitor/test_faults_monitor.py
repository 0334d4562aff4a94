"""Faults against the real monitor (real pipeline, LiteRT, SQLite, aiohttp): a locked or full
database, damaged files at start, a pipeline or model that fails, a hung climate sensor, and a
camera URL with a password that fails. Detection must come back by itself, Crying never stays on."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline
from babblefish_monitor.climate import ClimateReader
from babblefish_monitor.config import MonitorConfig
from babblefish_monitor.factories import make_pipeline, make_source
from babblefish_monitor.service import Monitor
from babblefish_monitor.supervisor import AudioHeartbeat
from babblefish_monitor.tally import DB_FILE, CryTally
from fault_mounts import small_disk
from monitor_helpers import QUICK, auth, quick_pipeline, wait_for, write_recording
from monitor_server import TEST_SETTINGS, RunningMonitor, running_monitor

CRY_LOOP = [("quiet", 1.0), ("cry", 2.0), ("quiet", 1.5)]


async def get(mon: RunningMonitor, route: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
        session.get(f"{mon.url}/api/v1/{route}") as resp,
    ):
        return resp.status, await resp.json()


async def state(mon: RunningMonitor) -> dict[str, Any]:
    status, body = await get(mon, "state")
    assert status == 200
    return dict(body)


async def wait_state(
    mon: RunningMonitor, ok: Callable[[dict[str, Any]], bool], within: float
) -> None:
    async with asyncio.timeout(within):
        while not ok(await state(mon)):  # noqa: ASYNC110 - polling the HTTP API as a client does
            await asyncio.sleep(0.1)


def disk_seconds(data_dir: Path) -> float:
    tally = CryTally(data_dir, __import__("datetime").UTC)
    try:
        return sum(t.cry_seconds for t in tally.history(3, tally_day())[0])
    finally:
        tally.close()


def tally_day() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


async def test_a_locked_database_blocks_neither_health_nor_audio(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    wav = write_recording(tmp_path / "cry.wav", CRY_LOOP)
    data = tmp_path / "d"
    async with running_monitor(
        source=f"file:{wav}", loop=True, data_dir=data, model_dir=tone_model_dir,
        pipeline_factory=quick_pipeline,
    ) as mon:  # fmt: skip
        monitor = mon.monitor
        await wait_for(lambda: monitor.blocks_processed > 4)
        with closing(sqlite3.connect(data / DB_FILE, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")  # a backup or a sqlite3 shell, for 6 s
            blocks = monitor.blocks_processed
            worst = 0.0
            async with aiohttp.ClientSession() as session:
                deadline = time.monotonic() + 6.0
                while time.monotonic() < deadline:
                    started = time.monotonic()
                    async with session.get(f"{mon.url}/api/v1/health") as resp:
                        assert resp.status == 200
                    worst = max(worst, time.monotonic() - started)
                    await asyncio.sleep(0.1)
            assert worst < 0.5
            assert monitor.blocks_processed >= blocks + 15  # 6 s of 0.25-s blocks, with slack
            now = await state(mon)
            assert now["storage"]["status"] == "locked" and now["storage"]["unsaved_episodes"] >= 1
            other.execute("ROLLBACK")
        await wait_state(mon, lambda s: s["storage"]["status"] == "ok", within=10)
        await wait_state(mon, lambda s: not s["crying"], within=10)
        shown = (await state(mon))["cry_seconds_today"]
    assert disk_seconds(data) >= shown > 0  # nothing reported was lost


async def test_full_disk_keeps_detecting_then_saves_everything(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    wav = write_recording(tmp_path / "cry.wav", CRY_LOOP)
    with small_disk(tmp_path / "disk", size="1m") as disk:
        async with running_monitor(
            source=f"file:{wav}", loop=True, data_dir=disk.path, model_dir=tone_model_dir,
            pipeline_factory=quick_pipeline,
        ) as mon:  # fmt: skip
            await wait_state(mon, lambda s: s["episodes_today"] >= 1, within=15)
            disk.fill()
            await wait_state(mon, lambda s: s["storage"]["status"] != "ok", within=15)
            full = await state(mon)
            assert full["storage"]["status"] in ("full", "io_error"), full["storage"]
            assert "full" in full["storage"]["error"] or "error" in full["storage"]["error"]
            episodes = full["episodes_today"]
            await wait_state(mon, lambda s: s["episodes_today"] >= episodes + 2, within=20)
            assert (await state(mon))["source"]["status"] == "running"
            disk.free()
            freed = time.monotonic()
            await wait_state(mon, lambda s: s["storage"]["status"] == "ok", within=10)
            assert time.monotonic() - freed < 10
            await wait_state(mon, lambda s: not s["crying"], within=10)
            shown = (await state(mon))["cry_seconds_today"]
        assert not list(disk.path.glob("*.corrupt-*"))
        assert disk_seconds(disk.path) >= shown > 0


@pytest.mark.parametrize("seed", range(20))
async def test_random_damage_at_start_serves_without_errors(tmp_path: Path, seed: int) -> None:
    data = tmp_path / "d"
    data.mkdir()
    tally = CryTally(data, __import__("datetime").UTC)
    from datetime import UTC, datetime, timedelta

    for i in range(20):
        tally.start_episode(datetime.now(UTC) - timedelta(hours=i), 0.9)
        tally.end_episode(5.0, 0.9)
    tally.close()
    raw = bytearray((data / DB_FILE).read_bytes())
    rng = random.Random(seed)
    for _ in range(8):
        raw[rng.randrange(len(raw))] ^= 0xFF
    (data / DB_FILE).write_bytes(bytes(raw))
    wav = write_recording(tmp_path / "q.wav", [("quiet", 1.0)])
    async with running_monitor(source=f"file:{wav}", loop=True, data_dir=data) as mon:
        for route in ("state", "history?days=3", "info"):
            status, body = await get(mon, route)
            assert status == 200, body
        assert (await state(mon))["storage"]["status"] == "ok"


class Flaky:
    """The real pipeline, made to raise once after `after` blocks (a bug, a numpy error)."""

    def __init__(self, spec: ModelSpec, config: MonitorConfig, after: int) -> None:
        self.inner = Pipeline(spec, QUICK, calibration_db=config.calibration_db)
        self.after = after
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @property
    def stream_time(self) -> float:
        return self.inner.stream_time

    def process(self, block: Any) -> Any:
        self.calls += 1
        if self.calls == self.after:
            raise FloatingPointError("injected pipeline failure")
        return self.inner.process(block)


async def test_a_failing_pipeline_ends_the_episode_and_restarts(
    tmp_path: Path, tone_model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wav = write_recording(tmp_path / "cry.wav", [("quiet", 1.0), ("cry", 30.0)])
    # 1 s quiet + 2 s into the cry, with 0.25-s blocks: crying by then.
    made: list[Flaky] = []

    def factory(spec: ModelSpec, config: MonitorConfig) -> Flaky:
        made.append(Flaky(spec, config, after=12))
        return made[-1]

    async with (
        running_monitor(
            source=f"file:{wav}", data_dir=tmp_path / "d", model_dir=tone_model_dir,
            pipeline_factory=factory,
        ) as mon,
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
        session.ws_connect(f"{mon.url}/api/v1/ws") as ws,
    ):  # fmt: skip
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(20):
            while not any(m.get("event") == "cry_ended" for m in seen):
                seen.append(json.loads((await ws.receive()).data))
            while not (seen[-1].get("type") == "state" and seen[-1]["state"]["crying"]):
                seen.append(json.loads((await ws.receive()).data))  # detection is back
    states = [m["state"] for m in seen if m.get("type") == "state"]
    assert any(
        s["source"]["status"] == "restarting" and "injected" in s["source"]["error"] for s in states
    )
    assert caplog.text.count("AUDIO LOOP FAILED") == 1


async def test_a_model_failing_when_run_is_a_model_error(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    wav = write_recording(tmp_path / "cry.wav", [("quiet", 1.0), ("cry", 30.0)])
    made: list[Pipeline] = []

    def factory(spec: ModelSpec, config: MonitorConfig) -> Pipeline:
        made.append(quick_pipeline(spec, config))
        return made[-1]

    async with running_monitor(
        source=f"file:{wav}", data_dir=tmp_path / "d", model_dir=tone_model_dir,
        pipeline_factory=factory,
    ) as mon:  # fmt: skip
        await wait_state(mon, lambda s: s["crying"], within=15)
        interpreter = made[0].classifier._interpreter

        def broken() -> None:
            raise RuntimeError("tensor data is corrupt")  # what a damaged model.tflite gives

        interpreter.invoke = broken
        await wait_state(mon, lambda s: s["model_status"]["status"] == "error", within=5)
        now = await state(mon)
        assert not now["crying"] and "failed when run" in now["model_status"]["error"]
        level = mon.monitor.blocks_processed
        await wait_for(lambda: mon.monitor.blocks_processed > level + 4)  # the level goes on
        _status, info = await get(mon, "info")
        assert info["model"]["error"]


class HangingDriver:
    def __init__(self) -> None:
        self.hang = threading.Event()
        self.release = threading.Event()

    def read(self) -> tuple[float, float]:
        if self.hang.is_set():
            self.release.wait()
        return 21.5, 45.0

    def close(self) -> None:
        self.release.set()


async def test_a_hung_climate_sensor_goes_unavailable_and_comes_back(tmp_path: Path) -> None:
    wav = write_recording(tmp_path / "q.wav", [("quiet", 1.0)])
    driver = HangingDriver()
    reader = ClimateReader(driver, min_interval=0.2, unavailable_after=1.0, read_timeout=0.2)
    # `climate` names the config's sensor spec in running_monitor; the reader goes to start().
    config = MonitorConfig(**{**TEST_SETTINGS, "source": f"file:{wav}", "loop": True,
                              "data_dir": tmp_path / "d"})  # fmt: skip
    monitor = await Monitor.start(
        config, pipeline_factory=make_pipeline, source_factory=make_source, climate=reader
    )
    mon = RunningMonitor(
        f"http://127.0.0.1:{monitor.server.port}", "127.0.0.1", monitor.server.port,
        monitor.identity.token, monitor,
    )  # fmt: skip
    try:
        await wait_state(mon, lambda s: s["climate"]["status"] == "ok", within=5)
        driver.hang.set()
        await wait_state(mon, lambda s: s["climate"]["status"] == "unavailable", within=5)
        driver.hang.clear()
        driver.release.set()
        await wait_state(mon, lambda s: s["climate"]["status"] == "ok", within=5)
    finally:
        await monitor.stop()


async def test_a_camera_password_never_reaches_logs_or_the_api(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    closed = __import__("socket").socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: ffmpeg fails at once, again and again
    source = f"ffmpeg:rtsp://nanny:hunter2-secret@127.0.0.1:{port}/live"
    caplog.set_level("DEBUG")
    async with running_monitor(source=source, data_dir=tmp_path / "d") as mon:
        mon.monitor.heartbeat = AudioHeartbeat()  # not needed for this test; keep it explicit
        await wait_state(mon, lambda s: s["source"]["status"] == "restarting", within=20)
        now = await state(mon)
        _status, info = await get(mon, "info")
    assert now["source"]["name"] == f"ffmpeg:rtsp://nanny:***@127.0.0.1:{port}/live"
    for text in (caplog.text, json.dumps(now), json.dumps(info)):
        assert "hunter2-secret" not in text and "test-token" not in text


async def test_health_fails_while_no_audio_is_processed(tmp_path: Path) -> None:
    closed = __import__("socket").socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    async with running_monitor(
        source=f"ffmpeg:rtsp://127.0.0.1:{port}/x", data_dir=tmp_path / "d"
    ) as mon:
        status, _ = await get(mon, "health")
        assert status == 200  # the start-up grace: a camera may take seconds to send audio
        mon.monitor.heartbeat._last -= 60  # as if a minute had passed without audio
        status, body = await get(mon, "health")
    assert status == 503 and body["status"] == "no_audio" and body["seconds_since_audio"] > 5
