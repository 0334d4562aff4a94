"""The model directory's picture: confusion matrix beside the cry-score distributions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt


def save_report_plot(
    path: Path,
    matrix: npt.NDArray[np.int64],
    rows: Sequence[str],
    cols: Sequence[str],
    *,
    cry_scores: npt.NDArray[np.floating],
    positive: npt.NDArray[np.bool_],
    threshold: float,
    title: str,
) -> None:
    """Write a PNG: confusion matrix (rows true, columns predicted) and log-odds score histograms."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    left.imshow(matrix, cmap="Blues")
    left.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    left.set_yticks(range(len(rows)), rows)
    left.set_xlabel("predicted")
    left.set_ylabel("true")
    for (r, c), count in np.ndenumerate(matrix):
        left.text(c, r, str(count), ha="center", va="center", fontsize=8)
    # Log-odds spread out the scores that crowd near 0 and 1.
    clipped = np.clip(cry_scores.astype(np.float64), 1e-7, 1 - 1e-7)
    odds = np.log(clipped / (1 - clipped))
    bins = np.linspace(odds.min(initial=-10) - 0.5, odds.max(initial=10) + 0.5, 50)
    right.hist(odds[positive], bins=bins, alpha=0.6, label="crying clips")
    right.hist(odds[~positive], bins=bins, alpha=0.6, label="other clips")
    t = min(max(threshold, 1e-7), 1 - 1e-7)
    right.axvline(
        np.log(t / (1 - t)), color="k", linestyle="--", label=f"threshold {threshold:.4g}"
    )
    right.set_xlabel("clip cry score, log-odds")
    right.set_ylabel("clips")
    right.legend()
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
