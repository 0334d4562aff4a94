"""The monitor service with the real pipeline, tone model and file sources, over loopback."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from babblefish_monitor.service import Monitor
from monitor_helpers import auth, quick_pipeline, receive_until, wait_for, write_recording
from monitor_server import running_monitor

BERLIN = ZoneInfo("Europe/Berlin")


async def test_cry_episode_pushed_counted_and_in_history(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    wav = write_recording(tmp_path / "cry.wav", [("quiet", 1.0), ("cry", 3.0), ("quiet", 2.5)])
    async with (
        running_monitor(
            source=f"file:{wav}",
            data_dir=tmp_path / "data",
            model_dir=tone_model_dir,
            pipeline_factory=quick_pipeline,
        ) as mon,
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
        session.ws_connect(f"{mon.url}/api/v1/ws") as ws,
    ):
        messages = await receive_until(
            ws, lambda m: m["type"] == "state" and m["state"]["source"]["status"] == "ended"
        )
        async with session.get(f"{mon.url}/api/v1/history?days=2") as resp:
            history = await resp.json()
    assert messages[0]["type"] == "hello"
    assert messages[0]["info"]["model"]["labels"][0] == "crying"
    kinds = [m.get("event") or m["type"] for m in messages]
    started, ended = kinds.index("cry_started"), kinds.index("cry_ended")
    assert started < ended
    assert messages[started + 1]["type"] == "state" and messages[started + 1]["state"]["crying"]
    assert not messages[ended + 1]["state"]["crying"]
    event = messages[ended]["data"]
    assert 2.0 <= event["duration_s"] <= 4.0 and event["peak_score"] > 0.5
    assert event["stream_time"] >= 4.0
    final = messages[-1]["state"]
    assert final["episodes_today"] == 1
    assert final["cry_seconds_today"] == pytest.approx(event["duration_s"], abs=0.1)
    assert final["last_episode"]["end"] is not None
    assert final["sound_level"]["rms_dbfs"] is not None
    assert history["days"][-1]["episodes"] == 1 and len(history["days"]) == 2
    assert history["episodes"][0]["duration_s"] == event["duration_s"]
    # One id names the episode in its events, the state and the history (labels use it).
    assert messages[started]["data"]["id"] == event["id"] == final["last_episode"]["id"]
    assert history["episodes"][0]["id"] == event["id"]
    # Level, scores and running counters push at most once a second (6.5 s of audio here).
    # An episode's start and end each push state at once, beside the paced pushes.
    events = kinds.count("cry_started") + kinds.count("cry_ended")
    assert kinds.count("state") <= 6.5 + 3 * events + 4


class StreamWallClock:
    """A wall clock that runs with the audio from `base` (so a fast file is a real night)."""

    def __init__(self, base: datetime) -> None:
        self.base = base
        self.monitor: Monitor | None = None
        self.offset = 0.0  # seconds before this restart (a restarted monitor's stream begins at 0)
        self.jump_at: float | None = None
        self.jump = timedelta(0)

    def __call__(self, tz: tzinfo) -> datetime:
        stream = self.monitor.pipeline.stream_time if self.monitor else 0
        now = self.base + timedelta(seconds=self.offset + stream)
        if self.jump_at is not None and stream >= self.jump_at:
            now += self.jump
        return now.astimezone(tz)


async def test_restart_mid_episode_across_midnight(tmp_path: Path, tone_model_dir: Path) -> None:
    wav = write_recording(tmp_path / "night.wav", [("quiet", 10.0), ("cry", 60.0)])
    clock = StreamWallClock(datetime(2026, 11, 20, 23, 59, 40, tzinfo=BERLIN))
    kwargs = {
        "source": f"file:{wav}",
        "data_dir": tmp_path / "data",
        "model_dir": tone_model_dir,
        "realtime": False,
        "timezone": "Europe/Berlin",
        "pipeline_factory": quick_pipeline,
        "wall_clock": clock,
    }
    async with running_monitor(**kwargs) as mon:  # type: ignore[arg-type]
        clock.monitor = mon.monitor
        tally = mon.monitor.tally
        # Stop mid-episode, past midnight (episode began ~23:59:50).
        await wait_for(lambda: tally.running is not None and tally.running.duration_s >= 20.0)
        stopped_at = mon.monitor.pipeline.stream_time
    clock.offset = stopped_at
    quiet = write_recording(tmp_path / "quiet.wav", [("quiet", 2.0)])
    kwargs["source"] = f"file:{quiet}"
    async with (
        running_monitor(**kwargs) as mon,  # type: ignore[arg-type]
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
    ):
        clock.monitor = mon.monitor
        async with session.get(f"{mon.url}/api/v1/state") as resp:
            state = await resp.json()
        async with session.get(f"{mon.url}/api/v1/history?days=2") as resp:
            history = await resp.json()
    assert state["day"] == "2026-11-21"
    assert not state["crying"] and state["episodes_today"] == 1
    before, after = history["days"][0]["cry_seconds"], history["days"][1]["cry_seconds"]
    assert [d["day"] for d in history["days"]] == ["2026-11-20", "2026-11-21"]
    assert before == pytest.approx(10.0, abs=1.0)
    episode = history["episodes"][0]
    assert episode["start"].startswith("2026-11-20T23:59:")
    assert before + after == pytest.approx(episode["duration_s"], abs=0.2)
    assert 18.0 <= episode["duration_s"] <= stopped_at - 9.0  # lost at most a checkpoint
    assert state["cry_seconds_today"] == after


async def test_wall_clock_jumps_do_not_bend_durations(tmp_path: Path, tone_model_dir: Path) -> None:
    wav = write_recording(tmp_path / "cry.wav", [("quiet", 2.0), ("cry", 20.0), ("quiet", 3.0)])
    for jump in (timedelta(hours=-3), timedelta(days=2)):
        clock = StreamWallClock(datetime(2026, 11, 20, 12, 0, 0, tzinfo=BERLIN))
        clock.jump_at, clock.jump = 12.0, jump
        data = tmp_path / f"data{jump.total_seconds()}"
        async with running_monitor(
            source=f"file:{wav}",
            data_dir=data,
            model_dir=tone_model_dir,
            realtime=False,
            timezone="Europe/Berlin",
            pipeline_factory=quick_pipeline,
            wall_clock=clock,
        ) as mon:
            clock.monitor = mon.monitor
            await wait_for(lambda m=mon: m.monitor.live.source_status == "ended")
            history = mon.monitor.history(5)
        assert len(history["episodes"]) == 1
        assert 19.0 <= history["episodes"][0]["duration_s"] <= 21.0
        assert sum(d["cry_seconds"] for d in history["days"]) >= 0.0
        json.dumps(history)


@pytest.mark.parametrize(
    ("model", "message"), [("nope", "does not exist"), ("model.tflite", "is a file")]
)
async def test_missing_model_is_reported_and_sound_level_still_works(
    tmp_path: Path, model: str, message: str
) -> None:
    wav = write_recording(tmp_path / "quiet.wav", [("quiet", 3.0)])
    (tmp_path / "model.tflite").write_bytes(b"a model file, not its directory")
    async with (
        running_monitor(
            source=f"file:{wav}", data_dir=tmp_path, model_dir=tmp_path / model, realtime=False
        ) as mon,
        aiohttp.ClientSession(headers=auth(mon.token)) as session,
    ):
        await wait_for(lambda: mon.monitor.live.source_status == "ended")
        async with session.get(f"{mon.url}/api/v1/info") as resp:
            info = await resp.json()
        async with session.get(f"{mon.url}/api/v1/state") as resp:
            state = await resp.json()
    assert message in info["model"]["error"] and info["model"]["labels"] == []
    assert state["model_status"] == {"status": "error", "error": info["model"]["error"]}
    assert state["sound_level"]["rms_dbfs"] is not None and state["sound_class"] is None


async def test_mismatched_model_names_the_mismatch(tmp_path: Path, tone_model_dir: Path) -> None:
    bad = tmp_path / "bad-model"
    shutil.copytree(tone_model_dir, bad)
    spec = json.loads((bad / "model.json").read_text())
    spec["frontend"]["fmax_hz"] = 8000.0
    (bad / "model.json").write_text(json.dumps(spec))
    wav = write_recording(tmp_path / "quiet.wav", [("quiet", 1.0)])
    async with running_monitor(source=f"file:{wav}", data_dir=tmp_path, model_dir=bad) as mon:
        info = mon.monitor.info()
        state = mon.monitor.state()
    assert "fmax_hz: 8000.0 (expected 4000.0)" in info["model"]["error"]
    assert state["model_status"]["status"] == "error"
