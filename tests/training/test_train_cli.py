"""The whole command line on a tiny generated dataset: prepare, train, evaluate --json."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from babblefish_monitor.audio.classifier import Classifier
from babblefish_monitor.audio.committee import classifier_for, consensus
from babblefish_monitor.audio.model import load_model_dir
from babblefish_training.cli import main
from babblefish_training.modeldir import record_detector
from babblefish_training.operating_point import SHIFTS
from train_toy_audio import TINY_LABELS, DatasetFactory, synth_clip, write_dataset

TINY_TRAIN = ["--epochs", "2", "--windows-per-label", "48", "--width", "8", "--batch-size", "32",
              "--min-clips", "3", "--tune-hours", "0.25"]  # fmt: skip


def _recordings(root: Path) -> Path:
    """Long multi-channel 44.1 kHz recordings, one folder per label, plus one corrupt file."""
    rng = np.random.default_rng(7)
    for label in TINY_LABELS:
        (root / label).mkdir(parents=True)
        for take in range(3):
            mono = synth_clip(label, 6.5, rng)
            stereo = np.stack([mono, mono * 0.8], axis=1)
            # 16 kHz content written at 44.1 kHz: prepare must resample and downmix.
            up = np.repeat(stereo, 3, axis=0)[: int(6.5 * 44_100)]
            sf.write(root / label / f"night-{take}.wav", up, 44_100)
    (root / "crying" / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    return root


@pytest.mark.slow
def test_prepare_train_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = _recordings(tmp_path / "raw")
    clips = tmp_path / "clips"
    assert main(["prepare", str(raw), str(clips), "--clip-seconds", "2"]) == 0
    out = capsys.readouterr()
    assert "9 recordings" in out.out and "1 unreadable" in out.out
    assert "broken.wav" in out.err
    written = sorted(p.name for p in (clips / "crying").iterdir())
    assert written[:2] == ["night-0-0000.flac", "night-0-0001.flac"]
    info = sf.info(clips / "crying" / written[0])
    assert (info.samplerate, info.channels, info.frames) == (16_000, 1, 32_000)
    assert (clips / "manifest.csv").read_text().count(",crying/night-0.wav,") == 3

    model = tmp_path / "model"
    args = ["train", "--data", str(clips), "--out", str(model), "--labels", "crying,talking,other,quiet",
            "--val-fraction", "0.34", *TINY_TRAIN]  # fmt: skip
    assert main(args) == 0
    # Three non-crying validation clips cannot carry an "at <= 1 % FPR" figure: said in the log
    # and on the card.
    err = capsys.readouterr().err
    assert re.search(r"warning: only \d+ non-crying clip\(s\) to measure on", err)
    assert "needs at least 100 to mean anything" in err
    assert "**Caution:** only" in (model / "MODEL_CARD.md").read_text()
    spec = load_model_dir(model)
    assert spec.labels == ("crying", "talking", "other", "quiet")
    assert spec.output == "logits" and spec.input_frames == 98
    assert (model / "report.png").stat().st_size > 1000
    assert "## Metrics" in (model / "MODEL_CARD.md").read_text()
    assert "90 % bootstrap interval" in (model / "MODEL_CARD.md").read_text()
    assert spec.card is not None and "babblefish-train train --data" in spec.card
    assert spec.extra["training"]["synthesised_labels"] == ["quiet"]
    # The monitor's operating point, tuned on a quarter-hour night of the held-out clips.
    detector = json.loads((model / "model.json").read_text())["detector"]
    assert spec.threshold_shift == detector["threshold_shift"] and spec.threshold_shift in SHIFTS
    assert detector["tuned_with"] == "babblefish-train train" and detector["night_episodes"] >= 1
    assert set(detector["night"]) == {"episode_recall", "false_alarms_per_hour",
                                      "cry_minutes_error_pct", "onset_latency_median_s"}  # fmt: skip
    assert [row["threshold_shift"] for row in detector["scan"]] == list(SHIFTS)
    assert "0.25-h night of held-out validation clips" in spec.card
    capsys.readouterr()

    assert main(["evaluate", "--model", str(model), "--data", str(clips), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("auc", "cry_recall", "cry_fpr", "threshold", "clips"):
        assert key in result
    assert result["clips"] == 27
    assert result["threshold"] == pytest.approx(spec.threshold)
    interval = result["cry_recall_interval"]
    assert 0.0 <= interval["low"] <= interval["high"] <= 1.0 and interval["max_fpr"] == 0.01
    assert all(n["folder"] != "crying" for n in result["top_negatives"])

    assert (
        main(["evaluate", "--model", str(model), "--data", str(clips), "--split", "validation"])
        == 0
    )
    text = capsys.readouterr().out
    assert "crying vs not" in text and "confusion" in text


@dataclass(frozen=True)
class Plain:
    """Tiny data and the plain single network trained on it: the recipes below compare to it."""

    data: Path
    model: Path

    def train(self, out: Path, *flags: str) -> int:
        """The CLI's exit status for the same recipe on the same data with `flags`, into `out`."""
        return main(["train", *_recipe(self.data), "--out", str(out), *flags])


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Plain:
    """The plain network, trained once for the module."""
    root = tmp_path_factory.mktemp("recipes")
    plain = Plain(write_dataset(root / "data", clips=6), root / "single")
    assert plain.train(plain.model) == 0
    return plain


def _recipe(data: Path) -> list[str]:
    return ["--data", str(data), "--labels", "crying,talking,other,quiet", *TINY_TRAIN,
            "--tune-hours", "0"]  # fmt: skip


def _predictions(model: Path) -> np.ndarray:
    windows = np.random.default_rng(1).normal(-6.0, 3.0, (4, 98, 40)).astype(np.float32)
    return Classifier(load_model_dir(model)).predict(windows)


@pytest.mark.slow
def test_train_an_ensemble_with_the_other_recipes(single: Plain, tmp_path: Path) -> None:
    """--members 2 ships one graph averaging two networks; the recipe is recorded in model.json."""
    plain = single.model
    pair = tmp_path / "pair"
    assert (
        single.train(
            pair,
            "--members",
            "2",
            "--spec-augment",
            "--weight-averaging",
            "--label-smoothing",
            "0.1",
        )
        == 0
    )
    one, two = load_model_dir(plain).extra, load_model_dir(pair).extra
    assert two["params"] == 2 * one["params"]
    assert two["multiply_adds_per_window"] == 2 * one["multiply_adds_per_window"]
    assert two["training"]["members"] == 2
    assert two["training"]["spec_augment"] and two["training"]["weight_averaging"]
    probs = Classifier(load_model_dir(pair)).predict(np.zeros((3, 98, 40), np.float32))
    assert probs.shape == (3, 4) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert single.train(pair, "--members", "0") == 2


@pytest.mark.slow
def test_distilling_teachers_ships_one_network(single: Plain, tmp_path: Path) -> None:
    """--teachers 2 trains two networks but exports one of the single network's size."""
    plain = single.model
    student = tmp_path / "student"
    assert single.train(student, "--teachers", "2", "--label-smoothing", "0.1") == 0
    one, distilled = load_model_dir(plain).extra, load_model_dir(student).extra
    assert distilled["params"] == one["params"]
    assert distilled["model_bytes"] == pytest.approx(one["model_bytes"], rel=0.05)
    assert distilled["training"]["teachers"] == 2
    assert one["training"]["teachers_validation"] is None
    assert 0.0 <= distilled["training"]["teachers_validation"]["auc"] <= 1.0
    assert "averaged predictions of 2 networks" in (student / "MODEL_CARD.md").read_text()
    assert "averaged predictions" not in (plain / "MODEL_CARD.md").read_text()
    assert not np.allclose(_predictions(plain), _predictions(student))
    assert single.train(student, "--teachers", "2", "--members", "2") == 2


@pytest.mark.slow
def test_mining_negatives_adds_a_weighted_second_pass(single: Plain, tmp_path: Path) -> None:
    """--mine-negatives re-trains briefly with the top-scoring negatives weighted, and says so."""
    plain = single.model
    mined = tmp_path / "mined"
    assert single.train(mined, "--mine-negatives", "0.3") == 0
    training = load_model_dir(mined).extra["training"]
    assert load_model_dir(plain).extra["training"]["mining"] is None
    negatives = sum(n for label, n in training["train_clips"].items() if label != "crying")
    assert sum(training["mining"]["folders"].values()) == round(0.3 * negatives)
    assert "crying" not in training["mining"]["folders"]
    assert "times more in 3 further epochs" in (mined / "MODEL_CARD.md").read_text()
    assert not np.allclose(_predictions(plain), _predictions(mined))
    assert single.train(mined, "--mine-negatives", "1.5") == 2

    # --mine-cries also weighs up the cries the first pass scored lowest.
    both = tmp_path / "both"
    assert single.train(both, "--mine-negatives", "0.3", "--mine-cries", "0.5") == 0
    mining = load_model_dir(both).extra["training"]["mining"]
    assert mining["cries"] == round(0.5 * training["train_clips"]["crying"]) > 0
    assert mining["folders"] == training["mining"]["folders"]
    assert (
        f"and the {mining['cries']} cries it scored lowest" in (both / "MODEL_CARD.md").read_text()
    )
    assert "cries it scored lowest" not in (mined / "MODEL_CARD.md").read_text()
    assert not np.allclose(_predictions(mined), _predictions(both))
    assert single.train(both, "--mine-cries", "0.5") == 2


@pytest.mark.slow
def test_training_is_reproducible_across_processes(
    make_dataset: DatasetFactory, tmp_path: Path
) -> None:
    """The same command in two fresh processes gives the same network; --init-seed changes it."""
    import subprocess
    import sys

    data = make_dataset(clips=6)
    common = ["train", "--data", str(data), "--labels", "crying,talking,other,quiet", *TINY_TRAIN]
    outputs = []
    for name, extra in (("a", []), ("b", []), ("c", ["--init-seed", "7"])):
        out = tmp_path / name
        subprocess.run(
            [sys.executable, "-m", "babblefish_training", *common, "--out", str(out), *extra],
            check=True,
            capture_output=True,
        )
        windows = np.random.default_rng(0).normal(-6.0, 3.0, (8, 98, 40)).astype(np.float32)
        outputs.append(Classifier(load_model_dir(out)).predict(windows))
    assert np.array_equal(outputs[0], outputs[1])
    assert not np.array_equal(outputs[0], outputs[2])


@pytest.mark.slow
def test_retraining_replaces_the_operating_point(
    make_dataset: DatasetFactory, tmp_path: Path
) -> None:
    """A tuned shift belongs to the network it was tuned for: a new one gets its own, or none
    with --tune-hours 0 (the monitor's default then applies)."""
    data = make_dataset(clips=6)
    model = tmp_path / "model"
    args = ["train", "--data", str(data), "--labels", "crying,talking,other,quiet", *TINY_TRAIN,
            "--out", str(model)]  # fmt: skip
    assert main(args) == 0
    tuned = json.loads((model / "model.json").read_text())["detector"]
    record_detector(model, {"threshold_shift": 4.5, "tuned_on": "night.flac"})
    assert load_model_dir(model).threshold_shift == 4.5
    assert main(args) == 2  # an existing model is not replaced without --force
    assert load_model_dir(model).threshold_shift == 4.5
    assert main([*args, "--force"]) == 0
    assert json.loads((model / "model.json").read_text())["detector"] == tuned
    assert main([*args, "--force", "--tune-hours", "0"]) == 0
    assert load_model_dir(model).threshold_shift is None
    assert "log-odds below that" not in (model / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert main([*args, "--tune-hours", "13"]) == 2


@pytest.mark.slow
def test_a_committee_joins_a_sibling_network_at_a_threshold_of_its_own(
    single: Plain, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sibling = tmp_path / "sibling"
    assert single.train(sibling, "--init-seed", "1") == 0
    out = tmp_path / "committee"
    args = ["committee", "--model", str(single.model), "--member", str(sibling), "--gate", "0",
            "--data", str(single.data), "--out", str(out), "--version", "2.0"]  # fmt: skip
    assert main(args) == 0
    assert "committee of 2 networks written to" in capsys.readouterr().out
    spec = load_model_dir(out)
    section = spec.extra["committee"]
    assert section["members"] == ["member-1.tflite"] and spec.version == "2.0"
    assert (out / "member-1.tflite").read_bytes() == (sibling / "model.tflite").read_bytes()
    assert [n["init_seed"] for n in section["networks"]] == [0, 1]
    assert "A committee of 2 networks" in (out / "MODEL_CARD.md").read_text()
    # At gate 0 the monitor scores every window with both networks' consensus.
    windows = np.random.default_rng(1).normal(-6.0, 3.0, (4, 98, 40)).astype(np.float32)
    both = consensus([_predictions(single.model), _predictions(sibling)])
    np.testing.assert_allclose(classifier_for(spec).predict(windows), both, atol=1e-6)
    # The recorded threshold is the committee's own, as `evaluate` scores it.
    assert main(["evaluate", "--model", str(out), "--data", str(single.data),
                 "--split", "validation", "--json"]) == 0  # fmt: skip
    result = json.loads(capsys.readouterr().out)
    assert spec.threshold == section["validation"]["threshold"]
    assert result["auc"] == pytest.approx(section["validation"]["auc"])
    assert result["cry_recall"] == pytest.approx(section["validation"]["cry_recall"])

    # Mistakes: a non-empty --out, a sibling trained on another split, a committee as --model.
    assert main(args) == 2
    assert "is not empty" in capsys.readouterr().err
    other = tmp_path / "other-split"
    shutil.copytree(sibling, other)
    data = json.loads((other / "model.json").read_text())
    data["training"]["validation_groups"] = ["someone-else"]
    (other / "model.json").write_text(json.dumps(data))
    assert main([*args[:4], str(other), *args[5:10], str(tmp_path / "new")]) == 2
    assert "differs from --model" in capsys.readouterr().err
    assert main(["committee", "--model", str(out), *args[3:10], str(tmp_path / "again")]) == 2
    assert "is already a committee" in capsys.readouterr().err
