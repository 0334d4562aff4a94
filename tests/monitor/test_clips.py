"""Opt-in cry clips: nothing on disk unless asked; with it, one WAV per episode holding the cry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from babblefish_monitor.clips import ClipRecorder
from monitor_helpers import quick_pipeline, wait_for, write_recording
from monitor_server import running_monitor
from tone_model import CRY_HZ


async def _run(tmp_path: Path, model: Path, record_clips: Path | None) -> None:
    wav = write_recording(tmp_path / "cry.wav", [("quiet", 2.0), ("cry", 3.0), ("quiet", 2.5)])
    async with running_monitor(
        source=f"file:{wav}",
        data_dir=tmp_path / "data",
        model_dir=model,
        realtime=False,
        pipeline_factory=quick_pipeline,
        record_clips=record_clips,
    ) as mon:
        await wait_for(lambda: mon.monitor.live.source_status == "ended")
        assert mon.monitor.state()["episodes_today"] == 1


async def test_no_audio_is_written_unless_opted_in(tmp_path: Path, tone_model_dir: Path) -> None:
    await _run(tmp_path, tone_model_dir, record_clips=None)
    written = [
        p for p in tmp_path.rglob("*") if p.suffix in (".wav", ".flac") and p.name != "cry.wav"
    ]
    assert written == []


async def test_an_episode_becomes_one_clip_with_the_cry(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    clips = tmp_path / "clips"
    await _run(tmp_path, tone_model_dir, record_clips=clips)
    (clip,) = clips.glob("cry-*.wav")
    audio, rate = sf.read(clip, dtype="float64")
    assert rate == 16_000
    # The 3 s cry, up to 2 s of pre-roll and the detector's hang-over: not the 7.5 s recording.
    assert 3.0 <= audio.size / rate <= 7.0
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    assert (np.abs(frames).max(axis=1) > 0.05).sum() * 0.01 >= 2.9  # the whole cry is in it
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * rate / audio.size - CRY_HZ) < 20


def test_clip_length_is_capped(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    recorder = ClipRecorder(tmp_path, pre_roll_s=0.0, max_clip_s=1.0)
    recorder.start(datetime(2026, 11, 20, 3, 0, tzinfo=UTC), seconds_since_start=0.0)
    for _ in range(30):
        recorder.feed(np.ones(1600, dtype=np.int16))
    recorder.stop()
    assert recorder.path is not None and recorder.path.name == "cry-20261120-030000.wav"
    assert sf.info(recorder.path).frames == 16_000
