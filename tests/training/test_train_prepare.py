"""`prepare` keeps every recording's clips apart and says plainly when a path is the wrong kind."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from babblefish_training.cli import main
from train_toy_audio import RATE, synth_clip


def _write(path: Path, seconds: float, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, synth_clip("crying", seconds, np.random.default_rng(seed)), RATE)


def test_recordings_with_the_same_stem_keep_their_own_clips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """night.wav beside night.flac, and a_b.wav beside a/b.wav, would share clip names."""
    raw = tmp_path / "raw"
    _write(raw / "crying" / "night.wav", 4.0, 1)
    _write(raw / "crying" / "night.flac", 4.0, 2)
    _write(raw / "crying" / "a_b.wav", 2.0, 3)
    _write(raw / "crying" / "a" / "b.wav", 2.0, 4)
    _write(raw / "crying" / "alone.wav", 2.0, 5)
    clips = tmp_path / "clips"
    assert main(["prepare", str(raw), str(clips), "--clip-seconds", "2"]) == 0
    assert "7 clips from 5 recordings" in capsys.readouterr().out
    names = sorted(p.name for p in (clips / "crying").iterdir())
    assert len(names) == 7
    assert "alone-0000.flac" in names  # a stem nobody shares keeps its plain name
    with (clips / "manifest.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len({row["path"] for row in rows}) == len(rows) == 7
    # Every manifest row's clip holds the audio of the recording the row names.
    for row in rows:
        original, _ = sf.read(row["original_path"], dtype="float32")
        start = round(float(row["start_s"]) * RATE)
        clip, _ = sf.read(clips / row["path"], dtype="float32")
        assert np.allclose(clip, original[start : start + clip.size], atol=1e-3), row["path"]


def _error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_a_file_where_a_folder_belongs_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "recording.wav"
    _write(a_file, 1.0, 0)
    raw = tmp_path / "raw"
    _write(raw / "crying" / "night.wav", 2.0, 1)
    assert "is a file, not a folder" in _error(
        ["prepare", str(a_file), str(tmp_path / "o")], capsys
    )
    assert "is a file, not a folder" in _error(["prepare", str(raw), str(a_file)], capsys)
    err = _error(["train", "--data", str(a_file), "--out", str(tmp_path / "m")], capsys)
    assert "is a file, not a folder" in err and "--data" in err
    err = _error(["train", "--data", str(raw), "--out", str(a_file)], capsys)
    assert "--out" in err and "is a file, not a folder" in err
    err = _error(["evaluate", "--model", str(a_file), "--data", str(raw)], capsys)
    assert "--model" in err and "is a file, not a folder" in err and "model.json" in err
    assert "does not exist" in _error(
        ["prepare", str(tmp_path / "nowhere"), str(tmp_path / "o")], capsys
    )
