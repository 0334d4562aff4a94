"""`train`: one training run, composed of its stages (see `stages/`), returning model.json's content."""

from __future__ import annotations

import os
import time
from typing import Any

from .options import TrainOptions
from .stages.card import Timings, card_stage
from .stages.export import export_stage
from .stages.fit import fit_stage
from .stages.plan import plan_run
from .stages.pool import pool_stage
from .stages.tune import tune_stage


def train(options: TrainOptions) -> dict[str, Any]:
    """Run the whole training; returns model.json's content. Raises TrainingError on bad input."""
    started = time.monotonic()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    options.check()
    plan = plan_run(options)
    pool, pooler = pool_stage(options, plan)
    fitted = fit_stage(options, plan, pool, pooler)
    # int8 calibration reads the first pool: the windows the network was mostly trained on.
    exported = export_stage(options, plan, fitted, calibration=pool.features)
    tuned = tune_stage(options, plan)
    timings = Timings(
        pool=pool.seconds + fitted.pool_seconds,
        fit=fitted.fit_seconds,
        wall=time.monotonic() - started,
        tuning=None if tuned is None else tuned.seconds,
    )
    return card_stage(
        options,
        plan,
        pool=pool,
        fitted=fitted,
        exported=exported,
        tuned=tuned,
        timings=timings,
        channels=pooler.channels.describe(),
    ).spec
