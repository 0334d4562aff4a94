"""Held-out-like dev figures: full-band cries apart from phone cries, the channel-swap check."""

from __future__ import annotations

import numpy as np
import pytest
from babblefish_monitor.audio.classifier import Classifier
from babblefish_monitor.audio.model import load_model_dir
from babblefish_training.devmetrics import (
    card_section,
    channel_swap,
    format_rate,
    full_band_cries,
    wilson,
)
from babblefish_training.scoring import Scorer


def test_wilson_interval_brackets_the_rate_and_stays_in_range() -> None:
    low, high = wilson(9, 10) or (0, 0)
    assert 0.6 < low < 0.9 < high <= 1.0
    assert wilson(0, 5) == (0.0, pytest.approx(0.351, abs=1e-3))
    assert wilson(0, 0) is None


def test_full_band_cries_leave_out_phone_recordings() -> None:
    scores = np.array([0.95, 0.2, 0.97, 0.91, 0.1, 0.3], np.float32)
    positive = np.array([True, True, True, True, False, False])
    sources = ["dac", "dac", "esc50", "esc50", "esc50", "fsdd"]
    found = full_band_cries(scores, positive, sources, threshold=0.9)
    assert (found["hits"], found["clips"]) == (2, 2)
    assert found["auc"] == 1.0
    assert (found["phone_cries"]["hits"], found["phone_cries"]["clips"]) == (1, 2)
    assert format_rate(found).startswith("100.0 % (2/2; 90 % interval")


def test_channel_swap_runs_the_real_model_on_phone_lines_and_rooms() -> None:
    spec = load_model_dir(None)
    rng = np.random.default_rng(0)
    tone = np.sin(2 * np.pi * 440 * np.arange(32_000) / 16_000).astype(np.float32) * 0.1
    noise = (0.05 * rng.standard_normal(32_000)).astype(np.float32)
    result = channel_swap(
        [tone], [noise, tone * 0.5],
        Scorer(Classifier(spec).predict, spec.input_frames, 49, spec.cry_index, spec.threshold),
    )  # fmt: skip
    assert result["phone_negatives_fpr"]["clips"] == 2
    assert result["reverberant_cries_recall"]["clips"] == 1
    assert result["rooms"]["distance_m"] == [2.0, 3.0]
    # A steady tone is not a cry: neither channel should turn it into one.
    assert result["reverberant_cries_recall"]["hits"] == 0


def test_the_default_models_card_carries_the_channel_and_night_figures() -> None:
    spec = load_model_dir(None)
    lines = "\n".join(card_section(spec.extra["metrics"]))
    assert "validation negatives through phone lines: false-positive rate | 2.1 % (3/144" in lines
    assert "small rooms at 2-3 m: recall | 86.3 % (63/73" in lines
    assert "night-B.flac: episodes, false alarms/h, announced onset median / p90 | 34/34" in lines
    assert spec.card is not None and "full-band dev cries (33" in spec.card
    # Full-band cries apart from phone ones, at the threshold the detector acts on.
    assert "full-band validation cries (never seen in training): recall | 100.0 % (5/5" in lines
    operating = spec.extra["cascade"]["fused_threshold"]
    assert f"clips at the threshold the monitor's detector acts on ({operating:.4g})" in lines
