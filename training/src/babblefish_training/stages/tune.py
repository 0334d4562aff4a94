"""The tune stage: the monitor's operating point for this model, from a night of held-out clips."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from babblefish_monitor.audio.model import load_model_dir

from babblefish_training.options import TrainOptions
from babblefish_training.tuning import NightPlan, tune_operating_point

from .plan import RunPlan


@dataclass(frozen=True)
class Tuned:
    """model.json's "detector" block (None when no night with cries could be built) and its cost."""

    detector: dict[str, Any] | None
    seconds: float


def tune_stage(options: TrainOptions, plan: RunPlan) -> Tuned | None:
    """Tune on the exported model in `options.out`; None when asked not to or nothing is held out."""
    if not plan.val_clips or options.tune_hours <= 0:
        return None
    begun = time.monotonic()
    night = NightPlan(
        plan.labels.cry_label,
        options.noise_label,
        options.quiet_label,
        options.tune_hours,
        options.seed,
    )
    detector = tune_operating_point(load_model_dir(options.out), plan.val_clips, night)
    return Tuned(detector, time.monotonic() - begun)
