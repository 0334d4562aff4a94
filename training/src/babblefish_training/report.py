"""Clip-level evaluation report (binary cry metrics, per source, per class, confusion) as dict and text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .metrics import (
    binary_metrics,
    confusion,
    per_class,
    recall_interval,
    roc_auc,
    small_validation_warning,
)
from .scoring import ClipScores, decide

TOP_NEGATIVES = 5


def build_report(
    folders: Sequence[str],
    true_labels: Sequence[str | None],
    sources: Sequence[str],
    scores: ClipScores,
    *,
    labels: Sequence[str],
    cry_label: str,
    threshold: float,
    groups: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    max_fpr: float = 0.01,
) -> dict[str, Any]:
    """Everything `evaluate --json` prints; true label None means 'not crying, no model label'.

    With the clips' recording groups, it adds a 90 % bootstrap interval of the recall at
    <= `max_fpr` (threshold re-chosen per round); with their file names, the negatives that
    score highest, which are what set the threshold.
    """
    cry_index = labels.index(cry_label)
    positive = np.array([t == cry_label for t in true_labels], dtype=bool)
    binary = binary_metrics(scores.cry, positive, threshold)
    predicted = decide(scores, labels, cry_index, threshold)
    by_source: dict[str, dict[str, Any]] = {}
    src = np.asarray(sources, dtype=object)
    for name in sorted(set(sources)):
        mine = src == name
        pos_here = positive & mine
        entry: dict[str, Any] = {"clips": int(mine.sum()), "cry_clips": int(pos_here.sum())}
        if pos_here.any():
            fired = scores.cry[pos_here] >= threshold
            entry["cry_recall"] = float(fired.mean())
            # These cries against every negative: full-band cries must not hide behind phone cries.
            keep = pos_here | ~positive
            entry["cry_auc_vs_all_negatives"] = roc_auc(scores.cry[keep], positive[keep])
        if (~positive & mine).any():
            entry["cry_fpr"] = float((scores.cry[~positive & mine] >= threshold).mean())
        by_source[name] = entry
    rows = sorted(set(folders))
    false_alarms = {
        f: int(
            np.sum((np.asarray(folders, dtype=object) == f) & ~positive & (scores.cry >= threshold))
        )
        for f in rows
    }
    mapped = [t if t is not None else "(none)" for t in true_labels]
    return {
        "clips": len(folders),
        "auc": binary.auc,
        "threshold": binary.threshold,
        "cry_recall": binary.recall,
        "cry_fpr": binary.fpr,
        "cry_recall_interval": _interval(scores.cry, positive, groups, max_fpr),
        "top_negatives": _top_negatives(scores.cry, positive, folders, names),
        "cry_clips": binary.positives,
        "other_clips": binary.negatives,
        "small_sample_warning": small_validation_warning(binary.negatives, max_fpr),
        "by_source": by_source,
        "false_alarms_by_folder": {f: n for f, n in false_alarms.items() if n},
        "per_class": per_class(mapped, predicted, labels),
        "confusion": {
            "rows": rows,
            "columns": list(labels),
            "counts": confusion(folders, predicted, rows, labels).tolist(),
        },
    }


def _interval(
    cry: npt.NDArray[np.float32], positive: npt.NDArray[np.bool_], groups: Sequence[str] | None,
    max_fpr: float,
) -> dict[str, float] | None:  # fmt: skip
    found = None if groups is None else recall_interval(cry, positive, groups, max_fpr)
    return None if found is None else {"low": found[0], "high": found[1], "max_fpr": max_fpr}


def _top_negatives(
    cry: npt.NDArray[np.float32], positive: npt.NDArray[np.bool_], folders: Sequence[str],
    names: Sequence[str] | None, count: int = TOP_NEGATIVES,
) -> list[dict[str, Any]] | None:  # fmt: skip
    if names is None:
        return None
    negatives = np.flatnonzero(~positive)
    ranked = negatives[np.argsort(-cry[negatives], kind="stable")][:count]
    return [{"clip": names[i], "folder": folders[i], "score": float(cry[i])} for i in ranked]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def format_report(report: dict[str, Any]) -> str:
    """Human-readable form of build_report's dict."""
    auc = report["auc"]
    lines = [
        f"clips: {report['clips']} ({report['cry_clips']} crying, {report['other_clips']} other)",
        f"crying vs not: AUC {'n/a' if auc is None else f'{auc:.4f}'}, at threshold "
        f"{report['threshold']:.4g}: recall {_pct(report['cry_recall'])}, "
        f"false-positive rate {_pct(report['cry_fpr'])}",
    ]
    if report.get("small_sample_warning"):
        lines.append(f"  warning: {report['small_sample_warning']}")
    interval = report.get("cry_recall_interval")
    if interval:
        lines.append(
            f"  recall at <= {_pct(interval['max_fpr'])} FPR, 90 % bootstrap interval over "
            f"recording groups: {_pct(interval['low'])} to {_pct(interval['high'])}"
        )
    for name, entry in report["by_source"].items():
        parts = [f"{entry['clips']} clips"]
        if "cry_recall" in entry:
            a = entry["cry_auc_vs_all_negatives"]
            parts.append(f"cry recall {_pct(entry['cry_recall'])} (AUC vs all others {a:.4f})")
        if "cry_fpr" in entry:
            parts.append(f"FPR {_pct(entry['cry_fpr'])}")
        lines.append(f"  source {name}: " + ", ".join(parts))
    if report.get("top_negatives"):
        top = ", ".join(
            f"{n['clip']} ({n['folder']}, {n['score']:.3f})" for n in report["top_negatives"]
        )
        lines.append(f"  highest-scoring negatives (they set the threshold): {top}")
    if report["false_alarms_by_folder"]:
        alarms = ", ".join(f"{k} {v}" for k, v in report["false_alarms_by_folder"].items())
        lines.append(f"  false alarms by folder: {alarms}")
    lines.append("per class (precision / recall / support):")
    for label, m in report["per_class"].items():
        lines.append(
            f"  {label:<16} {_pct(m['precision']):>8} {_pct(m['recall']):>8} {m['support']:>6}"
        )
    conf = report["confusion"]
    width = max(6, *(len(c) for c in conf["columns"])) + 1
    lines.append("confusion (rows: data folders, columns: predicted):")
    lines.append(" " * 18 + "".join(f"{c:>{width}}" for c in conf["columns"]))
    for row, counts in zip(conf["rows"], conf["counts"], strict=True):
        lines.append(f"  {row:<16}" + "".join(f"{n:>{width}}" for n in counts))
    return "\n".join(lines)
