"""Bad input ends in a clear message and exit status 2, never a traceback; corrupt files are counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babblefish_training.cli import main
from babblefish_training.dataset import load_clips, scan_datasets
from train_toy_audio import DatasetFactory


def _corrupt(root: Path) -> Path:
    path = root / "crying" / "zz-corrupt.wav"
    path.write_bytes(b"\x00\x01garbage" * 50)
    return path


def _fails(args: list[str], capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    return err


def test_corrupt_file_is_skipped_and_counted(make_dataset: DatasetFactory) -> None:
    root = make_dataset(clips=3)
    bad = _corrupt(root)
    refs = scan_datasets([root])
    clips, report = load_clips((r, r.folder) for r in refs)
    assert len(clips) == 9 and report.read == 9
    assert report.skipped == [str(bad)]


def test_strict_makes_corrupt_files_an_error(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = make_dataset(clips=6)
    _corrupt(root)
    _fails(["train", "--data", str(root), "--out", str(tmp_path / "m"), "--strict"], capsys,
           "zz-corrupt.wav", "--strict")  # fmt: skip


def test_too_few_clips(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = make_dataset(clips=2)
    _fails(["train", "--data", str(root), "--out", str(tmp_path / "m")], capsys,
           "too few clips", "crying (2)", "at least 5")  # fmt: skip
    assert not (tmp_path / "m").exists()


def test_empty_dataset(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "empty" / "crying").mkdir(parents=True)
    _fails(["train", "--data", str(tmp_path / "empty"), "--out", str(tmp_path / "m")], capsys,
           "no audio files found")  # fmt: skip
    _fails(["train", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "m")], capsys,
           "does not exist")  # fmt: skip
    _fails(["prepare", str(tmp_path / "empty"), str(tmp_path / "out")], capsys, "no audio found")


def test_unknown_labels_in_mapping(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = make_dataset(clips=6)
    out = str(tmp_path / "m")
    _fails(["train", "--data", str(root), "--out", out, "--labels", "crying,talking,other",
            "--map", "other=noise"], capsys, "not model labels: noise")  # fmt: skip
    _fails(["train", "--data", str(root), "--out", out, "--map", "whimper=crying"], capsys,
           "no dataset has: whimper")  # fmt: skip
    _fails(["train", "--data", str(root), "--out", out, "--labels", "crying,talking"], capsys,
           "folder 'other' is not a label")  # fmt: skip
    _fails(["train", "--data", str(root), "--out", out, "--labels", "talking,other"], capsys,
           "must include the cry label")  # fmt: skip
    _fails(["train", "--data", str(root), "--out", out, "--map", "oops"], capsys, "FOLDER=LABEL")


@pytest.mark.slow
def test_mismatched_model_json_is_refused(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = make_dataset(clips=4)
    model = tmp_path / "model"
    assert main(["train", "--data", str(root), "--out", str(model), "--epochs", "1",
                 "--windows-per-label", "16", "--width", "4", "--min-clips", "3",
                 "--tune-hours", "0"]) == 0  # fmt: skip
    spec = json.loads((model / "model.json").read_text())
    spec["frontend"]["mel_bins"] = 64
    spec["frontend"]["fmax_hz"] = 8000.0
    (model / "model.json").write_text(json.dumps(spec))
    capsys.readouterr()
    _fails(["evaluate", "--model", str(model), "--data", str(root)], capsys,
           "different audio frontend", "mel_bins: 64 (expected 40)", "fmax_hz: 8000.0")  # fmt: skip
    (model / "model.json").write_text("{not json")
    _fails(["evaluate", "--model", str(model), "--data", str(root)], capsys, "not valid JSON")
    _fails(["evaluate", "--model", str(tmp_path / "nowhere"), "--data", str(root)], capsys,
           "does not exist")  # fmt: skip


def test_label_smoothing_out_of_range(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = make_dataset(clips=3)
    args = ["train", "--data", str(root), "--out", str(tmp_path / "m"), "--label-smoothing", "0.7"]
    _fails(args, capsys, "--label-smoothing")


def test_an_existing_out_folder_is_kept_without_force(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = make_dataset(clips=6)
    out = tmp_path / "model"
    out.mkdir()
    (out / "model.json").write_text("{}")
    err = _fails(["train", "--data", str(root), "--out", str(out)], capsys,
                 "already holds files (model.json)", "--force")  # fmt: skip
    assert "is a file" not in err
    assert (out / "model.json").read_text() == "{}"
