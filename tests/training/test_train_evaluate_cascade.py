"""`evaluate` on a cascade model directory: beside the small network's figures, what the monitor
decides on (the fused score, the real YAMNet of the shipped default), or why it cannot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.audio.model import default_model_dir, load_model_dir
from babblefish_training.cascade_scoring import contexts_for_clip
from babblefish_training.cli import main
from babblefish_training.features import clip_windows
from train_toy_audio import DatasetFactory


def _evaluate(model: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["evaluate", "--model", str(model), "--data", str(data), "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_each_context_ends_where_its_window_ends() -> None:
    audio = (np.arange(3 * 16_000, dtype=np.float32) + 1) / 1e5
    windows = clip_windows(audio, 98, 49)
    contexts = contexts_for_clip(audio, 98, 49, 15_600, fe_hop=160, fe_window=400)
    assert contexts.shape == (windows.shape[0], 15_600)
    for k, context in enumerate(contexts):
        end = k * 49 * 160 + 97 * 160 + 400  # the window's last sample, exclusive
        assert context[-1] == audio[end - 1]
        assert np.array_equal(context[-min(end, 15_600) :], audio[max(0, end - 15_600) : end])


def test_the_default_is_evaluated_as_the_monitor_decides(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_dataset(clips=3)
    result = _evaluate(default_model_dir(), data, capsys)
    cascade = result["cascade"]
    assert isinstance(cascade, dict)
    fused = load_model_dir().extra["cascade"]["fused_threshold"]
    assert cascade["status"] == "on" and cascade["name"] == "YAMNet"
    assert cascade["threshold"] == pytest.approx(fused)
    assert cascade["cry_recall"]["clips"] == 3 and cascade["cry_fpr"]["clips"] == 6
    assert 0.0 <= cascade["windows_asked"] <= 1.0
    # The small network's own figures stay what they were: its threshold, its scores.
    assert result["threshold"] == pytest.approx(load_model_dir().threshold)


def test_a_missing_second_model_is_reported_and_the_small_network_still_scored(
    make_dataset: DatasetFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    (model / "yamnet.tflite").unlink()
    data = make_dataset(clips=2)
    result = _evaluate(model, data, capsys)
    cascade = result["cascade"]
    assert isinstance(cascade, dict)
    assert cascade["status"] == "unavailable" and "yamnet.tflite" in cascade["reason"]
    assert result["clips"] == 6
    assert main(["evaluate", "--model", str(model), "--data", str(data)]) == 0
    assert "unavailable" in capsys.readouterr().out
