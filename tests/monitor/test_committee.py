"""A committee of networks against the real LiteRT interpreter: the siblings asked only where the
first network gates, their consensus, and a model directory whose committee is incomplete."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
import soundfile
from babblefish_monitor.audio.classifier import Classifier
from babblefish_monitor.audio.committee import Committee, classifier_for, consensus
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.frontend import log_mel
from babblefish_monitor.audio.model import ModelError, load_model_dir
from babblefish_monitor.audio.pipeline import Pipeline
from monitor_server import running_monitor
from tone_model import CRY_HZ, quiet, tone


@pytest.fixture(scope="module")
def deaf_member(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tone network's sibling that does not hear the cry tone at all."""
    from tone_model import build

    return build(tmp_path_factory.mktemp("deaf"), cry_gain=0.0) / "model.tflite"


def _committee_dir(
    tmp_path: Path, first: Path, section: dict[str, Any], member: Path | None
) -> Path:
    out = tmp_path / "committee"
    shutil.copytree(first, out)
    spec = json.loads((out / "model.json").read_text())
    spec["committee"] = section
    (out / "model.json").write_text(json.dumps(spec))
    shutil.copy(member, out / "member-1.tflite")
    return out


def _windows(audio: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Every 0.5-s 98-frame window of `audio`'s log-mel frames."""
    frames = log_mel(audio)
    starts = range(0, frames.shape[0] - 98 + 1, 49)
    return np.stack([frames[s : s + 98] for s in starts]).astype(np.float32)


def test_consensus_is_the_normalised_geometric_mean_of_the_networks() -> None:
    sure = np.array([[0.98, 0.01, 0.01]], np.float32)
    unsure = np.array([[0.2, 0.4, 0.4]], np.float32)
    expected = np.sqrt(sure * unsure) / np.sqrt(sure * unsure).sum()
    np.testing.assert_allclose(consensus([sure, unsure]), expected, rtol=1e-5)
    np.testing.assert_allclose(consensus([sure, sure]), sure, rtol=1e-5)
    # A network sure it is not crying weighs as much as one sure it is: the plain mean of the
    # two cry probabilities would be 0.49.
    deaf = np.array([[0.001, 0.5, 0.499]], np.float32)
    assert consensus([sure, deaf])[0, 0] < 0.25


def test_siblings_are_asked_only_on_windows_the_first_network_gates(
    tmp_path: Path, tone_model_dir: Path, deaf_member: Path
) -> None:
    directory = _committee_dir(
        tmp_path, tone_model_dir, {"members": ["member-1.tflite"], "gate": 0.3}, deaf_member
    )
    spec = load_model_dir(directory)
    committee = classifier_for(spec)
    assert isinstance(committee, Committee)
    audio = np.concatenate([quiet(3.0), tone(CRY_HZ, 3.0, -10), quiet(3.0)])
    windows = _windows(audio)
    alone = Classifier(spec).predict(windows)
    deaf = Classifier(spec, model_path=deaf_member).predict(windows)
    rows = committee.predict(windows)

    gated = alone[:, 0] >= 0.3
    assert 0 < gated.sum() < gated.size
    assert committee.asked == gated.sum() and committee.seen == gated.size
    np.testing.assert_array_equal(rows[~gated], alone[~gated])
    np.testing.assert_allclose(rows[gated], consensus([alone[gated], deaf[gated]]), atol=1e-6)
    assert (rows[gated, 0] < alone[gated, 0] - 0.05).all()


def test_a_sibling_quantised_otherwise_gets_the_windows_in_its_own_input_scale(
    tmp_path: Path, tone_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tone_model import build

    # Calibrated on quieter sound: the same weights, another int8 input scale.
    other = build(tmp_path_factory.mktemp("quieter"), loudest_dbfs=-40.0) / "model.tflite"
    directory = _committee_dir(
        tmp_path, tone_model_dir, {"members": ["member-1.tflite"], "gate": 0.0}, other
    )
    spec = load_model_dir(directory)
    first, sibling = Classifier(spec), Classifier(spec, model_path=other)
    assert first.input_quantisation != sibling.input_quantisation
    windows = _windows(np.concatenate([quiet(2.0), tone(CRY_HZ, 2.0, -30), quiet(2.0)]))
    expected = consensus([first.predict(windows), sibling.predict(windows)])
    # Prepared once in the first's scale, then restored and prepared again in the sibling's:
    # within a rounding step of what the sibling makes of the features themselves.
    np.testing.assert_allclose(classifier_for(spec).predict(windows), expected, atol=0.02)


def test_the_pipeline_decides_on_the_committee(
    tmp_path: Path, tone_model_dir: Path, deaf_member: Path
) -> None:
    """A cry tone the first network alone announces is outvoted by a sibling that hears nothing."""
    audio = np.concatenate([quiet(2.0), tone(CRY_HZ, 6.0, -30), quiet(8.0)])

    def events(directory: Path) -> list[str]:
        # Onset at the threshold itself, so the scores above decide (first alone 0.94, with
        # the deaf sibling 0.33, against 0.5).
        pipeline = Pipeline(load_model_dir(directory), DetectorConfig(threshold_shift=0.0))
        kinds = [e.kind for at in range(0, audio.size, 8000)
                 for e in pipeline.process(audio[at : at + 8000]).events]  # fmt: skip
        return kinds + [e.kind for e in pipeline.flush().events]

    directory = _committee_dir(
        tmp_path, tone_model_dir, {"members": ["member-1.tflite"], "gate": 0.1}, deaf_member
    )
    assert events(tone_model_dir) == ["cry_started", "cry_ended"]
    assert events(directory) == []


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"members": ["member-1.tflite", "member-2.tflite"], "gate": 0.3}, "has no member-2"),
        ({"members": [], "gate": 0.3}, "members must list"),
        ({"members": ["../member-1.tflite"], "gate": 0.3}, "members must list"),
        ({"members": ["member-1.tflite"], "gate": 1.5}, "gate must be"),
        ({"members": ["member-1.tflite"]}, "gate must be"),
        (["member-1.tflite"], "must be a JSON object"),
    ],
)
def test_an_incomplete_committee_is_a_model_error_that_says_what_is_wrong(
    tmp_path: Path, tone_model_dir: Path, deaf_member: Path, section: Any, message: str
) -> None:
    directory = _committee_dir(tmp_path, tone_model_dir, section, deaf_member)
    with pytest.raises(ModelError, match=message):
        classifier_for(load_model_dir(directory))


async def test_a_monitor_whose_committee_lacks_a_network_says_which(
    tmp_path: Path, tone_model_dir: Path, deaf_member: Path
) -> None:
    directory = _committee_dir(
        tmp_path, tone_model_dir, {"members": ["member-1.tflite", "member-2.tflite"], "gate": 0.3},
        deaf_member,
    )  # fmt: skip
    source = tmp_path / "quiet.wav"
    soundfile.write(source, np.zeros(16000, np.int16), 16000, subtype="PCM_16")
    async with (
        running_monitor(source=f"file:{source}", data_dir=tmp_path / "data",
                        model_dir=directory) as mon,
        aiohttp.ClientSession() as session,
    ):  # fmt: skip
        headers = {"Authorization": f"Bearer {mon.token}"}
        async with session.get(f"{mon.url}/api/v1/info", headers=headers) as resp:
            info = await resp.json()
    assert "has no member-2.tflite" in info["model"]["error"]
    assert info["model"]["labels"] == []
