"""A short training on ../shared/data must beat chance by a wide margin on group-wise validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babblefish_training.operating_point import SHIFTS
from babblefish_training.options import TrainOptions
from babblefish_training.training_run import train


@pytest.mark.slow
def test_short_real_training_beats_chance(shared_data: Path, tmp_path: Path) -> None:
    spec = train(
        TrainOptions(
            data=[shared_data / "dev", shared_data / "dev_extra"],
            out=tmp_path / "model",
            labels=["crying", "talking", "white_noise", "quiet", "other"],
            other_label="other",
            epochs=3,
            windows_per_label=500,
            width=24,
            tune_hours=1.0,
        )
    )
    validation = spec["metrics"]["validation"]
    # Chance is an AUC of 0.5; a few minutes of CPU training reaches well above 0.9.
    assert validation["auc"] >= 0.85
    assert validation["cry_clips"] >= 40 and validation["other_clips"] >= 100
    assert validation["per_class"]["talking"]["recall"] >= 0.8
    assert spec["metrics"]["int8_float_argmax_agreement"] >= 0.9
    # The monitor's operating point comes from a night of held-out cries and sounds.
    assert spec["detector"]["threshold_shift"] in SHIFTS
    assert spec["detector"]["night_episodes"] >= 2
    training = spec["training"]
    assert not set(training["validation_groups"]) & {"scbg:white_noise"}
