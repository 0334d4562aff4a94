"""The monitor's operating point from training: a night of held-out clips, scored and scanned."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.audio.detector import CryEvent, DetectorConfig
from babblefish_training.dataset import Clip, ClipRef
from babblefish_training.night import RATE
from babblefish_training.operating_point import SHIFTS, Metrics, choose_shift, evaluate
from babblefish_training.tuning import NightPlan, held_out_night
from train_toy_audio import synth_clip


def _clips(labels: dict[str, str], per_folder: int = 3) -> list[Clip]:
    """Toy clips; `labels` maps folder -> model label."""
    rng = np.random.default_rng(3)
    clips = []
    for folder, label in labels.items():
        toy = "crying" if label == "crying" else "talking" if folder == "talking" else "other"
        for i in range(per_folder):
            ref = ClipRef(Path(f"{folder}/{i}.wav"), folder, f"{folder}:{i}", "toy")
            clips.append(Clip(ref, label, synth_clip(toy, 2.0, rng)))
    return clips


PLAN = NightPlan("crying", "white_noise", "quiet", hours=0.2, seed=1)
FOLDERS = {"crying": "crying", "talking": "talking", "household": "other", "dog": "other"}


@pytest.mark.slow
def test_held_out_night_is_seeded_and_plays_every_folder() -> None:
    clips = _clips(FOLDERS)
    night = held_out_night(clips, PLAN)
    assert night is not None
    assert night.audio.size == int(0.2 * 3600 * RATE)
    truth = night.truth()
    assert truth["episodes"], "a night needs cries to tune on"
    for episode in truth["episodes"]:
        assert 0 < episode["start"] < episode["end"] <= 0.2 * 3600
        assert -35 <= episode["level_dbfs"] <= -15
    kinds = {scene["kind"] for scene in truth["scenes"]}
    # No real noise-machine clips among these: the night makes its own.
    assert "white_noise_machine" in kinds and kinds <= {"white_noise_machine", *FOLDERS}
    assert float(np.max(np.abs(night.audio))) <= 0.99
    # A stretch plays each of its folder's three 2-s clips at most once (pauses <= 4 s), so one
    # odd clip cannot repeat for minutes.
    stretches = [s for s in truth["scenes"] if s["kind"] != "white_noise_machine"]
    assert stretches and all(s["end"] - s["start"] <= 3 * (2.0 + 4.0) for s in stretches)

    again = held_out_night(clips, PLAN)
    assert again is not None and np.array_equal(night.audio, again.audio)
    other = held_out_night(clips, NightPlan("crying", "white_noise", "quiet", 0.2, seed=2))
    assert other is not None and not np.array_equal(night.audio, other.audio)


def test_no_held_out_cries_no_night() -> None:
    assert held_out_night(_clips({"talking": "talking", "dog": "other"}), PLAN) is None


def _event(kind: str, decided: float, start: float, end: float | None) -> CryEvent:
    return CryEvent(kind, decided, start, end, 0.9)  # type: ignore[arg-type]


def test_evaluate_matches_detections_to_true_episodes() -> None:
    truth = {
        "episodes": [
            {"start": 100.0, "end": 160.0, "masked": False},
            {"start": 400.0, "end": 430.0, "masked": True},
        ],
        "scenes": [{"kind": "household", "start": 600.0, "end": 700.0}],
    }
    events = [
        _event("cry_started", 101.2, 100.5, None),
        _event("cry_ended", 170.0, 100.5, 158.0),
        _event("cry_started", 650.0, 649.0, None),  # during the household noise: a false alarm
        _event("cry_ended", 656.0, 649.0, 651.0),
    ]
    m = evaluate(events, truth, hours=0.5)
    assert (m.truth, m.detected, m.recall, m.masked_recall) == (2, 2, 0.5, 0.0)
    assert (m.false_alarms, m.false_alarms_per_hour) == (1, 2.0)
    assert m.false_alarm_scenes == {"household": 1}
    assert m.latency_median == pytest.approx(1.2)
    assert m.missed == [truth["episodes"][1]]
    # what each alarm and each found episode was, for explaining the figures
    assert m.alarms == [(649.0, 651.0, 650.0)]
    assert m.onsets == [(100.0, pytest.approx(1.2))]
    assert not m.passes


def _metrics(false_alarms_per_hour: float, latency: float) -> Metrics:
    return Metrics(
        truth=20, detected=20, recall=1.0, masked_recall=1.0, false_alarms=0,
        false_alarms_per_hour=false_alarms_per_hour, false_alarm_scenes={}, truth_minutes=30.0,
        detected_minutes=29.0, minutes_error_pct=-3.3, latency_median=latency, latency_p90=4.0,
        missed=[],
    )  # fmt: skip


def test_the_middle_of_the_passing_shifts_is_kept() -> None:
    def run(config: DetectorConfig) -> Metrics:
        shift = config.threshold_shift or 0.0
        # Low shifts start late; high shifts fire on everything: 1.0-2.0 meet every target.
        return _metrics(false_alarms_per_hour=max(0.0, shift - 2.0) * 8, latency=2.5 - shift)

    choice = choose_shift(run, DetectorConfig())
    assert choice.passing == (1.0, 1.25, 1.5, 1.75, 2.0)
    assert choice.shift == 1.5 and choice.metrics.passes
    assert [shift for shift, _ in choice.scanned] == list(SHIFTS)
    assert "from 1.0 to 2.0" in choice.describe()


def test_without_a_passing_shift_the_least_bad_is_kept() -> None:
    def run(config: DetectorConfig) -> Metrics:
        shift = config.threshold_shift or 0.0
        return _metrics(false_alarms_per_hour=1.5 + abs(shift - 3.0), latency=1.0)

    choice = choose_shift(run, DetectorConfig())
    assert choice.passing == () and choice.shift == 3.0
    assert "no threshold_shift meets every target" in choice.describe()
