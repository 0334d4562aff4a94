"""Distillation targets: what a student network learns from its teachers' averaged predictions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.classifier import softmax

FloatArray = npt.NDArray[np.float32]

# Share of each target kept on the window's true label. The teachers are wrong on a few windows
# (a faint cry under loud noise); the hard share keeps the student from copying those mistakes.
HARD_SHARE = 0.3


def soft_targets(
    teacher_logits: FloatArray,
    labels: npt.NDArray[np.int64],
    *,
    hard_share: float = HARD_SHARE,
    label_smoothing: float = 0.0,
) -> FloatArray:
    """One probability row per window: the teachers' softmax blended with the smoothed true label."""
    count = teacher_logits.shape[1]
    hard = np.full((labels.shape[0], count), label_smoothing / count, dtype=np.float32)
    hard[np.arange(labels.shape[0]), labels] += 1.0 - label_smoothing
    blended = (1.0 - hard_share) * softmax(teacher_logits) + hard_share * hard
    return blended.astype(np.float32)
