"""The card stage: model.json's training record and detector block, then MODEL_CARD.md."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babblefish_monitor.audio.model import CARD_FILE

from babblefish_training.card import render_card
from babblefish_training.modeldir import write_spec
from babblefish_training.options import TrainOptions

from .export import Exported
from .fit import Fitted
from .plan import RunPlan
from .pool import Pool
from .tune import Tuned

LOG = logging.getLogger("babblefish_training")


@dataclass(frozen=True)
class Card:
    """The finished model.json content and the path of the card rendered from it."""

    spec: dict[str, Any]
    path: Path


@dataclass(frozen=True)
class Timings:
    """Seconds each part of the run took (2-core figures vary with other load)."""

    pool: float
    fit: float
    wall: float
    tuning: float | None


def _training_record(
    options: TrainOptions,
    plan: RunPlan,
    pool: Pool,
    fitted: Fitted,
    *,
    timings: Timings,
    channels: dict[str, Any],
) -> dict[str, Any]:
    record = {
        "command": options.command,
        "seed": options.seed,
        "init_seed": options.first_init_seed,
        "epochs": options.epochs,
        "windows_per_label": options.windows_per_label,
        "label_smoothing": options.label_smoothing,
        "spec_augment": options.spec_augment,
        "weight_averaging": options.weight_averaging,
        "members": options.members,
        "teachers": options.teachers,
        "teachers_validation": fitted.teachers_validation,
        "mining": fitted.mining,
        "augmented_windows": int(pool.features.shape[0]),
        "val_fraction": options.val_fraction,
        "max_fpr": options.max_fpr,
        "hard_negatives": list(options.hard_negatives),
        **channels,
        "final_epoch": fitted.history[-1] if fitted.history else {},
        "pool_seconds": round(timings.pool, 1),
        "fit_seconds": round(timings.fit, 1),
        "wall_seconds": round(timings.wall, 1),
        **plan.summary,
        "validation_groups": sorted({c.ref.group_id for c in plan.val_clips}),
    }
    if timings.tuning is not None:
        record["tuning_seconds"] = round(timings.tuning, 1)
    return record


def card_stage(
    options: TrainOptions,
    plan: RunPlan,
    *,
    pool: Pool,
    fitted: Fitted,
    exported: Exported,
    tuned: Tuned | None,
    timings: Timings,
    channels: dict[str, Any],
) -> Card:
    """Write the final model.json and MODEL_CARD.md into `options.out`; `channels` is the run's
    teacher and channel record (RunChannels.describe)."""
    record = _training_record(options, plan, pool, fitted, timings=timings, channels=channels)
    spec = {**exported.spec, "training": record}
    if tuned is not None and tuned.detector is not None:
        spec["detector"] = tuned.detector
    write_spec(options.out, spec)
    path = options.out / CARD_FILE
    path.write_text(render_card(spec), encoding="utf-8")
    LOG.info(
        "wrote %s (%d bytes, threshold %.4g) in %.0f s",
        options.out,
        len(exported.tflite),
        exported.threshold,
        timings.wall,
    )
    return Card(spec, path)
