"""Binary cry metrics (ROC AUC, operating threshold, recall and FPR) and per-class confusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
BoolArray = npt.NDArray[np.bool_]


def roc_auc(scores: FloatArray, positive: BoolArray) -> float | None:
    """Area under the ROC curve via the rank statistic (ties count half); None without both classes."""
    pos = scores[positive]
    neg = scores[~positive]
    if pos.size == 0 or neg.size == 0:
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(order.size, dtype=np.float64)
    ranks[order] = np.arange(1, order.size + 1)
    combined = np.concatenate([pos, neg])
    # Average ranks over ties.
    _, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = sums[inverse] / counts[inverse]
    return float((ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size))


def threshold_for_fpr(scores: FloatArray, positive: BoolArray, max_fpr: float) -> float:
    """Lowest threshold (score >= threshold fires) whose false-positive rate is at most max_fpr.

    It sits just above the highest negative it must reject, halfway to the next score up, so a
    score equal to that negative does not fire.
    """
    neg = np.sort(scores[~positive])[::-1]
    if neg.size == 0:
        return 0.5
    allowed = int(np.floor(max_fpr * neg.size + 1e-9))
    if allowed >= neg.size:
        return float(min(neg.min(), 0.5))
    barrier = float(neg[allowed])
    above = scores[scores > barrier]
    upper = float(above.min()) if above.size else min(1.0, barrier + 1e-6)
    return float(np.clip((barrier + upper) / 2, 1e-6, 1 - 1e-6))


def negatives_needed(max_fpr: float) -> int:
    """Fewest negatives at which a false-positive rate of `max_fpr` means one false positive."""
    return int(np.ceil(1.0 / max_fpr - 1e-9)) if max_fpr > 0 else 0


def small_validation_warning(negatives: int, max_fpr: float) -> str | None:
    """Why an "at <= max_fpr" figure means little on this few negatives; None when it is enough.

    Below 1 / max_fpr negatives not one false positive fits under the limit, and one more or
    fewer moves the rate by more than the limit itself.
    """
    needed = negatives_needed(max_fpr)
    if negatives >= needed:
        return None
    step = f"{100 / negatives:.1f} %" if negatives else "undefined"
    return (
        f"only {negatives} non-crying clip(s) to measure on: a false-positive rate of "
        f"<= {100 * max_fpr:g} % needs at least {needed} to mean anything (one false positive is "
        f"{step} here), so the threshold and the recall at it are rough; more non-crying "
        "recordings (or, when training, a larger --val-fraction) make it firm"
    )


def recall_interval(
    scores: FloatArray,
    positive: BoolArray,
    groups: Sequence[str],
    max_fpr: float,
    *,
    level: float = 0.9,
    rounds: int = 1000,
    seed: int = 0,
) -> tuple[float, float] | None:
    """Bootstrap interval of "recall at <= max_fpr, threshold chosen on the same clips".

    Whole recording groups are redrawn (clips of one recording are not independent) and the
    threshold is chosen again in every round, as training does. With ~150 negatives, 1 % is one
    clip, so a handful of clips moves the figure; this says by how much. None without both classes.
    """
    names, inverse = np.unique(np.asarray(groups, dtype=object), return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(names.size)]
    rng = np.random.default_rng(seed)
    found: list[float] = []
    for _ in range(rounds):
        picked = np.concatenate([members[g] for g in rng.integers(0, names.size, names.size)])
        pos = positive[picked]
        if pos.all() or not pos.any():
            continue
        cut = threshold_for_fpr(scores[picked], pos, max_fpr)
        found.append(float((scores[picked][pos] >= cut).mean()))
    if not found:
        return None
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(found, [tail, 100 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class BinaryMetrics:
    """Crying vs not at one threshold."""

    auc: float | None
    threshold: float
    recall: float | None
    fpr: float | None
    positives: int
    negatives: int


def binary_metrics(scores: FloatArray, positive: BoolArray, threshold: float) -> BinaryMetrics:
    """AUC plus recall and false-positive rate at `threshold`."""
    fired = scores >= threshold
    pos, neg = int(positive.sum()), int((~positive).sum())
    return BinaryMetrics(
        auc=roc_auc(scores, positive),
        threshold=float(threshold),
        recall=float(fired[positive].mean()) if pos else None,
        fpr=float(fired[~positive].mean()) if neg else None,
        positives=pos,
        negatives=neg,
    )


def confusion(
    true: Sequence[str], predicted: Sequence[str], rows: Sequence[str], cols: Sequence[str]
) -> npt.NDArray[np.int64]:
    """Counts[row, col] of (true, predicted) pairs."""
    matrix = np.zeros((len(rows), len(cols)), dtype=np.int64)
    row_at = {r: i for i, r in enumerate(rows)}
    col_at = {c: i for i, c in enumerate(cols)}
    for t, p in zip(true, predicted, strict=True):
        matrix[row_at[t], col_at[p]] += 1
    return matrix


def per_class(
    true: Sequence[str], predicted: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, float | int | None]]:
    """Precision, recall and support for each label (None where undefined)."""
    out: dict[str, dict[str, float | int | None]] = {}
    t = np.asarray(true, dtype=object)
    p = np.asarray(predicted, dtype=object)
    for label in labels:
        tp = int(np.sum((t == label) & (p == label)))
        support = int(np.sum(t == label))
        called = int(np.sum(p == label))
        out[label] = {
            "precision": tp / called if called else None,
            "recall": tp / support if support else None,
            "support": support,
        }
    return out
