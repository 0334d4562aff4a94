"""`babblefish-monitor replay` end to end: a recording in, JSON-lines events and a summary out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from babblefish_monitor.__main__ import main
from tone_model import CRY_HZ, TALK_HZ, quiet, tone


def recording(path: Path, rate: int = 16000, channels: int = 1) -> Path:
    """Two 'cries' (3-13 s and 40-48 s) among quiet and a talking tone, written at any rate."""
    audio = np.concatenate([quiet(3), tone(CRY_HZ, 10, -25), quiet(12), tone(TALK_HZ, 5, -25),
                            quiet(10), tone(CRY_HZ, 8, -30), quiet(12)])  # fmt: skip
    data = audio.astype(np.float64) / 32768
    if rate != 16000:
        t_out = np.arange(round(data.size * rate / 16000)) / rate
        data = np.interp(t_out, np.arange(data.size) / 16000, data)
    soundfile.write(str(path), np.repeat(data[:, None], channels, axis=1), rate, subtype="PCM_16")
    return path


def read_events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_replay_cli_in_a_real_process(tone_model_dir: Path, tmp_path: Path) -> None:
    wav = recording(tmp_path / "night.flac")
    events_out = tmp_path / "events.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "babblefish_monitor", "replay", str(wav), "--events-out",
         str(events_out), "--model", str(tone_model_dir)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    events = read_events(events_out)
    assert [e["type"] for e in events] == ["cry_started", "cry_ended"] * 2
    assert events[0]["t"] == pytest.approx(3.0, abs=0.5)
    assert events[1]["t"] == pytest.approx(13.0, abs=0.5)
    assert events[1]["duration"] == pytest.approx(10.0, abs=0.75)
    assert events[2]["t"] == pytest.approx(40.0, abs=0.5)
    assert events[3]["t"] == pytest.approx(48.0, abs=0.5)
    for event in events:
        assert 0 < float(event["peak_score"]) <= 1  # type: ignore[arg-type]
    # The summary: two episodes, about 18 cry seconds, and a real-time factor.
    assert "episodes: 2" in done.stdout
    minutes = float(done.stdout.split("cry minutes: ")[1].split()[0])
    assert minutes == pytest.approx(18 / 60, abs=0.03)
    assert "real-time factor:" in done.stdout


@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (8000, 1)])
def test_replay_of_other_rates_finds_the_same_cries(
    tone_model_dir: Path,
    tmp_path: Path,
    rate: int,
    channels: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wav = recording(tmp_path / "night.wav", rate, channels)
    events_out = tmp_path / "events.jsonl"
    assert (
        main(["replay", str(wav), "--events-out", str(events_out), "--model", str(tone_model_dir)])
        == 0
    )
    events = read_events(events_out)
    assert [e["type"] for e in events] == ["cry_started", "cry_ended"] * 2
    assert events[1]["t"] == pytest.approx(13.0, abs=0.5)
    assert "episodes: 2" in capsys.readouterr().out


def test_replay_bad_input_is_one_clear_line(
    tone_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "events.jsonl")
    assert main(["replay", str(tmp_path / "missing.flac"), "--events-out", out,
                 "--model", str(tone_model_dir)]) == 2  # fmt: skip
    assert "does not exist" in capsys.readouterr().err
    assert main(["replay", str(tmp_path), "--events-out", out, "--model", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "model.json" in err or "model.tflite" in err
    assert "Traceback" not in err
