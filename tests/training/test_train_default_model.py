"""The shipped default model: loads under the monitor's contract, meets its size target, evaluates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.audio.classifier import Classifier
from babblefish_monitor.audio.model import default_model_dir, load_model_dir
from babblefish_training.cli import main
from babblefish_training.modeldir import record_detector
from train_toy_audio import DatasetFactory

REQUIRED_LABELS = {"crying", "talking", "white_noise", "quiet", "other"}


def test_default_model_contract() -> None:
    spec = load_model_dir()
    assert set(spec.labels) >= REQUIRED_LABELS
    assert spec.output == "logits" and spec.input_frames == 98
    assert spec.model_path.stat().st_size <= 100_000
    assert spec.card is not None and "babblefish-train train" in spec.card
    assert "non-commercial" in spec.card
    assert (default_model_dir() / "report.png").is_file()
    validation = spec.extra["metrics"]["validation"]
    assert validation["auc"] > 0.95
    probs = Classifier(spec).predict(np.full((2, 98, 40), np.log(1e-6), dtype=np.float32))
    assert probs.shape == (2, len(spec.labels))
    # Digital silence is a quiet room, not a cry.
    assert probs[:, spec.cry_index].max() < spec.threshold


def test_evaluate_without_model_uses_the_default(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_dataset(clips=3)
    assert main(["evaluate", "--data", str(root), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model_dir"] == str(default_model_dir())
    assert result["clips"] == 9 and result["cry_clips"] == 3


@pytest.mark.slow
def test_default_model_on_held_out_data(
    shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["evaluate", "--data", str(shared_data / "dev"), "--data", str(shared_data / "dev_extra"),
            "--split", "validation", "--json"]  # fmt: skip
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    spec = load_model_dir()
    # What decided the shipped threshold: `babblefish-train committee` for a committee, else
    # training itself. Re-scoring the held-out groups reproduces it.
    committee = spec.extra.get("committee")
    stored = (committee or {}).get("validation") or spec.extra["metrics"]["validation"]
    assert result["clips"] == stored["clips"]
    assert result["threshold"] == pytest.approx(stored["threshold"]) == spec.threshold
    assert result["auc"] == pytest.approx(stored["auc"], abs=1e-6)
    assert result["cry_recall"] == pytest.approx(stored["cry_recall"])


def test_recording_an_operating_point_keeps_the_cards_notes(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    card = model / "MODEL_CARD.md"
    before = card.read_text(encoding="utf-8")
    notes = before[before.index("## Notes") :]
    record_detector(
        model, {"threshold_shift": 3.125, "tuned_on": "night-A.flac", "tuned_with": "x"}
    )
    spec = load_model_dir(model)
    assert spec.threshold_shift == 3.125
    text = card.read_text(encoding="utf-8")
    assert (
        "3.125 log-odds below the fused threshold" in text
        and text.count("log-odds below the fused threshold") == 1
        and "on night-A.flac" in text
    )
    assert text.endswith(notes) and text.count("## Notes") == 1
    assert text.count("## Training") == 1
