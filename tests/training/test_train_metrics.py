"""Crying-vs-not metrics: the operating threshold and how far its recall can be trusted."""

from __future__ import annotations

import numpy as np
import pytest
from babblefish_training.metrics import recall_interval, threshold_for_fpr
from babblefish_training.report import build_report
from babblefish_training.scoring import ClipScores


def _clips(cries: list[float], negatives: list[float]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    scores = np.array(cries + negatives, np.float32)
    positive = np.array([True] * len(cries) + [False] * len(negatives))
    groups = [f"g{i}" for i in range(scores.size)]
    return scores, positive, groups


def test_threshold_allows_one_false_positive_in_a_hundred() -> None:
    scores, positive, _ = _clips([0.9, 0.8], [0.95, 0.85, *[0.1] * 98])
    cut = threshold_for_fpr(scores, positive, 0.01)
    assert 0.85 < cut < 0.9  # the top negative may fire, the second may not


def test_separated_classes_give_a_certain_recall() -> None:
    scores, positive, groups = _clips([0.9] * 20, [0.1] * 100)
    assert recall_interval(scores, positive, groups, 0.01) == (1.0, 1.0)


def test_a_few_high_negatives_widen_the_interval() -> None:
    """Recall hinges on whichever high negatives a resample keeps: the interval shows it."""
    rng = np.random.default_rng(3)
    cries = list(rng.uniform(0.5, 1.0, 60))
    scores, positive, groups = _clips(cries, [0.97, 0.9, 0.8, *[0.1] * 97])
    low, high = recall_interval(scores, positive, groups, 0.01) or (0.0, 0.0)
    point = float((scores[positive] >= threshold_for_fpr(scores, positive, 0.01)).mean())
    assert low < point < high
    assert high - low > 0.2
    assert recall_interval(scores, positive, groups, 0.01) == (low, high)  # seeded


def test_groups_are_redrawn_whole() -> None:
    """One recording cut into many clips counts once: drawn together, the interval is wider."""
    scores, positive, _ = _clips([0.95] * 10 + [0.5] * 10, [0.9, *[0.1] * 99])
    independent = recall_interval(scores, positive, [f"g{i}" for i in range(120)], 0.01)
    grouped = recall_interval(scores, positive, ["a"] * 10 + ["b"] * 10 + [f"n{i}" for i in range(100)], 0.01)  # fmt: skip
    assert independent is not None and grouped is not None
    assert grouped[1] - grouped[0] > independent[1] - independent[0]


def test_no_interval_without_both_classes() -> None:
    scores, positive, groups = _clips([0.9, 0.8], [])
    assert recall_interval(scores, positive, groups, 0.01) is None


def test_report_carries_the_interval_only_with_groups() -> None:
    scores, positive, groups = _clips([0.9] * 5, [0.2] * 10)
    clip_scores = ClipScores(scores, np.tile([0.5, 0.5], (scores.size, 1)).astype(np.float32))
    names = ["crying" if p else "other" for p in positive]
    common = {"labels": ["crying", "other"], "cry_label": "crying", "threshold": 0.5}
    with_groups = build_report(
        names, names, ["s"] * len(names), clip_scores, groups=groups, **common
    )
    assert with_groups["cry_recall_interval"] == {"low": 1.0, "high": 1.0, "max_fpr": 0.01}
    assert (
        build_report(names, names, ["s"] * len(names), clip_scores, **common)["cry_recall_interval"]
        is None
    )


def test_report_names_the_negatives_that_set_the_threshold() -> None:
    scores, positive, _ = _clips([0.9] * 3, [0.2, 0.95, 0.6, 0.1, 0.7, 0.3, 0.05])
    clip_scores = ClipScores(scores, np.tile([0.5, 0.5], (scores.size, 1)).astype(np.float32))
    folders = ["crying" if p else f"f{i}" for i, p in enumerate(positive)]
    names = [f"clip{i}.wav" for i in range(scores.size)]
    common = {"labels": ["crying", "other"], "cry_label": "crying", "threshold": 0.5}
    truth = ["crying" if p else "other" for p in positive]
    report = build_report(folders, truth, ["s"] * scores.size, clip_scores, names=names, **common)
    top = report["top_negatives"]
    assert [n["clip"] for n in top] == [
        "clip4.wav",
        "clip7.wav",
        "clip5.wav",
        "clip8.wav",
        "clip3.wav",
    ]
    assert top[0] == {"clip": "clip4.wav", "folder": "f4", "score": pytest.approx(0.95)}
    assert (
        build_report(folders, truth, ["s"] * scores.size, clip_scores, **common)["top_negatives"]
        is None
    )


def test_too_few_negatives_for_the_fpr_limit_are_flagged() -> None:
    """Below 1 / max_fpr negatives not one false positive fits under the limit."""
    from babblefish_training.metrics import negatives_needed, small_validation_warning

    assert negatives_needed(0.01) == 100 and negatives_needed(0.05) == 20
    assert small_validation_warning(150, 0.01) is None
    assert small_validation_warning(100, 0.01) is None
    warning = small_validation_warning(40, 0.01)
    assert warning is not None and "only 40 non-crying" in warning and "2.5 %" in warning
    assert small_validation_warning(40, 0.05) is None
    assert "undefined" in (small_validation_warning(0, 0.01) or "")
