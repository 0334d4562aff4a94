"""The YAMNet teacher: a checked file, scores for windows, a disk cache, soft targets, CLI errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from babblefish_training.cli import main
from babblefish_training.teacher import (
    TEACHER_CLASSES,
    TEACHER_SAMPLES,
    Teacher,
    TeacherError,
    TeacherScores,
    context,
    teacher_targets,
)
from train_toy_audio import DatasetFactory

from tests.conftest import REPO_ROOT

YAMNET = Path(
    os.environ.get(
        "BABBLEFISH_YAMNET", REPO_ROOT.parent / "shared" / "models" / "yamnet" / "yamnet.tflite"
    )
)
DEFAULT_MODEL = REPO_ROOT / "addon/monitor/src/babblefish_monitor/models/default/model.tflite"
LABELS = ["crying", "talking", "human_nonspeech", "other"]


@pytest.fixture
def yamnet() -> Path:
    """The teacher file in ../shared/models/yamnet (or $BABBLEFISH_YAMNET); skips when absent."""
    if not YAMNET.is_file():
        pytest.skip(f"YAMNet not found at {YAMNET} (set BABBLEFISH_YAMNET to the .tflite)")
    return YAMNET


def test_missing_teacher_names_the_file_and_what_was_expected(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tflite"
    with pytest.raises(TeacherError, match=r"nope\.tflite not found.*\[1, 15600\]"):
        Teacher(missing)


def test_corrupt_teacher_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "yamnet.tflite"
    bad.write_bytes(b"not a flatbuffer" * 100)
    with pytest.raises(TeacherError, match=r"yamnet\.tflite is not a readable TFLite model"):
        Teacher(bad)


def test_a_model_of_the_wrong_shape_is_refused() -> None:
    # The monitor's own cry model is a valid TFLite file with a [1, 98, 40] int8 input.
    with pytest.raises(TeacherError, match=r"has input\(s\) \[\(\[1, 98, 40\], 'int8'\)\]"):
        Teacher(DEFAULT_MODEL)


def test_context_is_the_centre_of_the_window() -> None:
    window = np.arange(16_000, dtype=np.float32)
    centre = context(window)
    assert centre.shape == (TEACHER_SAMPLES,)
    assert centre[0] == (16_000 - TEACHER_SAMPLES) // 2
    assert context(np.ones(100, np.float32)).sum() == 100


def test_scores_are_cached_by_audio_content(yamnet: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    windows = (0.1 * rng.standard_normal((3, 15_920))).astype(np.float32)
    teacher = Teacher(yamnet, tmp_path / "cache")
    first = teacher.class_scores(windows)
    assert first.shape == (3, TEACHER_CLASSES)
    assert ((first >= 0) & (first <= 1)).all()
    assert len(list((tmp_path / "cache").glob("yamnet-*.npy"))) == 1

    again = Teacher(yamnet, tmp_path / "cache")

    def no_inference(window: np.ndarray) -> np.ndarray:
        raise AssertionError("the cached windows were scored again")

    again._score_one = no_inference  # type: ignore[method-assign]
    np.testing.assert_array_equal(again.class_scores(windows), first)
    with pytest.raises(AssertionError, match="scored again"):
        again.class_scores(windows * 0.5)  # other audio (another augmentation) misses the cache


def test_soft_targets_keep_the_folder_label_and_move_cry_mass() -> None:
    labels = np.array([0, 0, 3, 3, 1], dtype=np.int64)
    scores = TeacherScores(
        cry=np.array([0.9, 0.05, 0.8, 0.0, 0.0], np.float32),
        speech=np.array([0.0, 0.0, 0.0, 0.9, 0.9], np.float32),
        laughter=np.zeros(5, np.float32),
    )
    rows = teacher_targets(scores, labels, LABELS, cry_label="crying", share=0.3)
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-6)
    assert (rows.argmax(axis=1) == labels).all()
    assert rows[0, 0] > rows[1, 0]  # a cry the teacher hears stays more of a cry
    assert rows[2, 0] == pytest.approx(0.3 * 0.8)  # a negative the teacher hears as crying
    assert rows[3, 1] == pytest.approx(0.3 * 0.9)  # other sound heard as speech leans to talking
    assert rows[3, 0] == 0.0


def test_train_with_a_missing_teacher_stops_before_training(
    make_dataset: DatasetFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = make_dataset(clips=6)
    out = tmp_path / "model"
    args = ["train", "--data", str(data), "--out", str(out), "--epochs", "1",
            "--teacher", str(tmp_path / "yamnet.tflite")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "yamnet.tflite not found" in err and "Traceback" not in err
    assert not out.exists()
