"""The fit stage: build the network(s) and train them on the pool; teachers and mining included."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from babblefish_monitor.audio.classifier import softmax

from babblefish_training.distil import soft_targets
from babblefish_training.metrics import binary_metrics, threshold_for_fpr
from babblefish_training.models import (
    DEFAULT_LEARNING_RATES,
    build_model,
    ensemble,
    multiply_adds,
    parameter_count,
)
from babblefish_training.options import TrainOptions
from babblefish_training.pool import FloatArray, WindowSource
from babblefish_training.scoring import pool_windows, predict_batched, score_clips
from babblefish_training.trainer import fit

from .plan import RunPlan, ValidationSet
from .pool import Pool, Pooler

LOG = logging.getLogger("babblefish_training")
MINED_WEIGHT = 4.0
MINED_EPOCHS = 3
MINED_LR_FACTOR = 0.1
MINED_SEED_OFFSET = 100  # the second pass's batch order, apart from any member's


@dataclass(frozen=True)
class Fitted:
    """The trained Keras model and what its training recorded."""

    model: Any
    history: list[dict[str, float]]  # the last fit's epochs
    teachers_validation: dict[str, Any] | None
    mining: dict[str, Any] | None
    fit_seconds: float  # inside Keras' fit
    pool_seconds: float  # drawing the extra pools for a student or a mined pass


class _Fitter:
    """Builds and trains networks with one run's settings, adding up the seconds spent fitting."""

    def __init__(self, options: TrainOptions, plan: RunPlan, pool: Pool) -> None:
        self.options = options
        self.plan = plan
        self.mean, self.std = float(pool.features.mean()), float(pool.features.std())
        self.bands = pool.features.shape[2]
        self.learning_rate = options.learning_rate or DEFAULT_LEARNING_RATES[options.arch]
        self.seconds = 0.0

    def network(self, index: int, name: str | None = None) -> Any:
        options = self.options
        return build_model(
            options.arch,
            len(self.plan.labels.labels),
            options.frames,
            self.bands,
            mean=self.mean,
            std=self.std,
            width=options.width,
            masking=options.spec_augment,
            seed=options.first_init_seed + index,
            name=name,
        )

    def train(
        self,
        net: Any,
        pool: Pool,
        index: int,
        *,
        epochs: int | None = None,
        rate_factor: float = 1.0,
    ) -> list[dict[str, float]]:
        options, validation = self.options, self.plan.validation
        begun = time.monotonic()
        history = fit(
            net,
            pool.features,
            pool.targets,
            pool.weights,
            epochs=options.epochs if epochs is None else epochs,
            batch_size=options.batch_size,
            learning_rate=self.learning_rate * rate_factor,
            validation=(validation.windows, validation.targets),
            seed=options.first_init_seed + index,
            label_smoothing=options.label_smoothing,
            weight_averaging=options.weight_averaging,
        )
        self.seconds += time.monotonic() - begun
        return history


def _keras_predict(model: Any) -> Any:
    return lambda w: model.predict(w, verbose=0)


def _teacher_figures(
    model: Any, validation: ValidationSet, *, cry_index: int, max_fpr: float
) -> dict[str, Any] | None:
    """The teachers' (float, logits averaged) crying-vs-not figures on the validation clips."""
    if not validation.both_classes:
        return None
    probs = softmax(predict_batched(_keras_predict(model), validation.windows))
    cry = pool_windows(probs, validation.counts, cry_index).cry
    positive = validation.positive
    found = binary_metrics(cry, positive, threshold_for_fpr(cry, positive, max_fpr))
    LOG.info(
        "teachers on validation (float, logits averaged): AUC %.4f, recall %.1f %% at FPR %.1f %%",
        found.auc or 0.0,
        100 * (found.recall or 0.0),
        100 * (found.fpr or 0.0),
    )
    return {"auc": found.auc, "cry_recall": found.recall, "cry_fpr": found.fpr}


def _mined_sources(
    model: Any, plan: RunPlan, pooler: Pooler, options: TrainOptions
) -> tuple[list[WindowSource], dict[str, Any]]:
    """Training sources with the hardest clips weighted up, and what was mined (for model.json).

    The negatives a network scores highest as crying (on the shared data mostly sirens, horns and
    animals) are the kind that set its threshold; a short, gentle second pass that weighs them
    more lifted AUC and recall on every seed tried. With `mine_cries`, the cries it scores lowest
    are weighted up as well.
    """
    clips, cry_label = plan.train_clips, plan.labels.cry_label

    def cry_scores(indices: list[int]) -> FloatArray:
        audio = [clips[i].audio for i in indices]
        predict = _keras_predict(model)
        return score_clips(
            audio, lambda w: softmax(predict(w)), options.frames, options.hop_frames, plan.cry_index
        ).cry

    negatives = [i for i, c in enumerate(clips) if c.label != cry_label]
    keep = max(1, round(options.mine_fraction * len(negatives)))
    mined = [negatives[int(i)] for i in np.argsort(-cry_scores(negatives))[:keep]]
    folders = dict(sorted(Counter(clips[i].ref.folder for i in mined).items()))
    LOG.info("mined %d training negatives: %s", keep, folders)
    weakest = 0
    if options.mine_cries > 0:
        cries = [i for i, c in enumerate(clips) if c.label == cry_label]
        weakest = round(options.mine_cries * len(cries))
        LOG.info("mined the %d training cries scored lowest", weakest)
        mined += [cries[int(i)] for i in np.argsort(cry_scores(cries), kind="stable")[:weakest]]
    sources = pooler.sources(clips)
    for i in mined:
        sources[i].weight *= MINED_WEIGHT
    return sources, {"folders": folders, "cries": weakest}


def _seed_keras(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(seed)


def fit_stage(options: TrainOptions, plan: RunPlan, pool: Pool, pooler: Pooler) -> Fitted:
    """Train the member networks; then, as asked, distil a student from them and mine hard clips."""
    # Seed before building: the initial weights come from Keras' global generator, and unseeded
    # they made every training process different (repeats inside one process came out identical).
    _seed_keras(options.first_init_seed)
    fitter = _Fitter(options, plan, pool)
    count = options.teachers or options.members
    members = [
        fitter.network(k, f"{options.arch}_{k + 1}" if count > 1 else None) for k in range(count)
    ]
    model = ensemble(members)
    LOG.info(
        "%s: %d parameters, %.2f M multiply-adds per 1-s window",
        model.name,
        parameter_count(model),
        multiply_adds(model) / 1e6,
    )
    history: list[dict[str, float]] = []
    for k, member in enumerate(members):
        if count > 1:
            LOG.info(
                "training %s %d of %d", "teacher" if options.teachers else "member", k + 1, count
            )
        # Members differ by initialisation and batch order; averaging their logits steadies the
        # spread from run to run that a single network shows.
        history = fitter.train(member, pool, k)
    extra_pool_seconds = 0.0
    teachers_validation: dict[str, Any] | None = None
    if options.teachers:
        # The student learns from fresh windows: on the teachers' own training windows their
        # predictions are close to the hard labels and teach little beyond them.
        student = pooler.draw()
        extra_pool_seconds += student.seconds
        teacher_logits = predict_batched(_keras_predict(model), student.features)
        teachers_validation = _teacher_figures(
            model, plan.validation, cry_index=plan.cry_index, max_fpr=options.max_fpr
        )
        soft = soft_targets(teacher_logits, student.labels, label_smoothing=options.label_smoothing)
        LOG.info("training the student on the predictions of %d teacher(s)", count)
        model = fitter.network(count)
        history = fitter.train(model, dataclasses.replace(student, soft=soft), count)
    mining: dict[str, Any] | None = None
    if options.mine_fraction > 0:
        sources, mined = _mined_sources(model, plan, pooler, options)
        mining = {
            "fraction": options.mine_fraction,
            "weight": MINED_WEIGHT,
            "epochs": MINED_EPOCHS,
            "learning_rate_factor": MINED_LR_FACTOR,
            **mined,
        }
        mined_pool = pooler.draw(sources)
        extra_pool_seconds += mined_pool.seconds
        history = fitter.train(
            model, mined_pool, MINED_SEED_OFFSET, epochs=MINED_EPOCHS, rate_factor=MINED_LR_FACTOR
        )
    return Fitted(model, history, teachers_validation, mining, fitter.seconds, extra_pool_seconds)
