"""`train`: datasets -> label plan -> group split -> augmented pool -> Keras fit -> int8 export -> validation."""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.classifier import Classifier, softmax
from babblefish_monitor.audio.model import CARD_FILE, ModelError, load_model_dir

from .card import render_card
from .channel_run import ChannelSettings, RunChannels
from .dataset import Clip, load_clips, scan_datasets
from .devmetrics import channel_lines, validation_channels
from .distil import soft_targets
from .errors import TrainingError
from .export import to_int8_tflite
from .features import window_samples
from .labels import LabelPlan, check_counts, plan_labels
from .metrics import binary_metrics, threshold_for_fpr
from .modeldir import PLOT_FILE, model_json, write_model_dir, write_spec
from .models import (
    DEFAULT_LEARNING_RATES,
    build_model,
    ensemble,
    multiply_adds,
    parameter_count,
)
from .plots import save_report_plot
from .pool import FloatArray, Synthesiser, WindowSource, build_pool, make_source
from .report import build_report, format_report
from .scoring import pool_windows, predict_batched, score_clips, windows_for_clips
from .split import split_groups
from .stress import stress_report
from .synth import noise_machine, quiet_room
from .teacher import DEFAULT_TEACHER_SHARE
from .trainer import fit
from .tuning import TUNING_HOURS, NightPlan, tune_operating_point

LOG = logging.getLogger("babblefish_training")
MINED_WEIGHT = 4.0
MINED_EPOCHS = 3
MINED_LR_FACTOR = 0.1
MINED_SEED_OFFSET = 100  # the second pass's batch order, apart from any member's
ESC50_NOTE = (
    "Trained on data that includes ESC-50 clips (CC BY-NC 3.0): non-commercial use only "
    "unless retrained without them."
)


@dataclass
class TrainOptions:
    """Everything `babblefish-train train` accepts."""

    data: list[Path]
    out: Path
    labels: list[str] | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    other_label: str | None = None
    arch: str = "ds_cnn"
    epochs: int = 12
    seed: int = 0
    init_seed: int | None = None  # None: `seed`
    windows_per_label: int = 3000
    batch_size: int = 128
    learning_rate: float | None = None  # None: the architecture's default
    label_smoothing: float = 0.0
    spec_augment: bool = False
    weight_averaging: bool = False
    members: int = 1
    teachers: int = 0  # >0: distil that many networks' averaged predictions into one
    mine_fraction: float = 0.0  # >0: a second pass weighting this share of top-scoring negatives
    mine_cries: float = 0.0  # ...and this share of the lowest-scoring cries
    width: int = 48
    val_fraction: float = 0.25
    max_fpr: float = 0.01
    min_clips: int = 5
    strict: bool = False
    quiet_label: str = "quiet"
    noise_label: str = "white_noise"
    hard_negatives: tuple[str, ...] = ("human_nonspeech", "animal")
    hard_weight: float = 2.0
    tune_hours: float = TUNING_HOURS  # 0: no operating point of its own (the monitor's default)
    frames: int = 98
    workers: int = 2
    hop_frames: int = 49
    name: str = "babblefish-cry"
    version: str = "1"
    command: str = ""
    teacher: Path | None = None  # YAMNet .tflite: distil from it (off without the file)
    teacher_share: float = DEFAULT_TEACHER_SHARE
    channel: bool = False  # phone lines, rooms, microphones (bench/README.md, "Seventh round")
    cache_dir: Path | None = None  # teacher scores and phone renditions, reused across runs


def _plan(options: TrainOptions) -> tuple[LabelPlan, list[Clip], int]:
    refs = scan_datasets(options.data)
    plan = plan_labels(
        (r.folder for r in refs),
        options.labels,
        options.mapping,
        options.other_label,
        synth_labels=(options.quiet_label, options.noise_label),
    )
    check_counts(plan, Counter(plan.folder_to_label[r.folder] for r in refs), options.min_clips)
    clips, report = load_clips(((r, plan.folder_to_label[r.folder]) for r in refs), options.strict)
    if report.skipped:
        LOG.warning("skipped %d unreadable file(s)", len(report.skipped))
    check_counts(plan, Counter(c.label for c in clips), options.min_clips)
    return plan, clips, len(report.skipped)


def _sources(
    clips: list[Clip], plan: LabelPlan, options: TrainOptions, length: int
) -> list[WindowSource]:
    index = {label: i for i, label in enumerate(plan.labels)}
    return [
        make_source(
            c.audio,
            index[c.label],
            length,
            weight=options.hard_weight if c.ref.folder in options.hard_negatives else 1.0,
            keep_level=c.label == options.quiet_label,
        )
        for c in clips
    ]


def _synthesisers(plan: LabelPlan, options: TrainOptions) -> dict[int, Synthesiser]:
    table: dict[str, Synthesiser] = {
        options.quiet_label: quiet_room,
        options.noise_label: noise_machine,
    }
    return {plan.labels.index(lab): table[lab] for lab in plan.synthesised}


def _summary(
    plan: LabelPlan, clips: list[Clip], train: list[int], val: list[int], skipped: int
) -> dict[str, Any]:
    def counts(indices: list[int]) -> dict[str, int]:
        return dict(sorted(Counter(clips[i].label for i in indices).items()))

    return {
        "folders": dict(sorted(plan.folder_to_label.items())),
        "synthesised_labels": sorted(plan.synthesised),
        "train_clips": counts(train),
        "validation_clips": counts(val),
        "train_groups": len({clips[i].ref.group_id for i in train}),
        "validation_groups_count": len({clips[i].ref.group_id for i in val}),
        "skipped_files": skipped,
        "sources": dict(sorted(Counter(c.ref.source for c in clips).items())),
    }


def split_clips(clips: list[Clip], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Training and validation indices by recording group, stratified by model label and source.

    Stratifying by dataset folder instead would make the split independent of the label
    mapping (fairer comparisons between label sets), but it moves the default model's split, and
    the shipped model must rebuild exactly from its command (bench/README.md, "Fourth round").
    """
    strata = [f"{c.label}/{c.ref.source}" for c in clips]
    return split_groups([c.ref.group_id for c in clips], strata, val_fraction, seed)


def _teacher_figures(
    model: Any,
    windows: FloatArray,
    counts: npt.NDArray[np.int64],
    positive: npt.NDArray[np.bool_],
    *,
    cry_index: int,
    max_fpr: float,
) -> dict[str, Any] | None:
    """The teachers' (float, logits averaged) crying-vs-not figures on the validation clips."""
    if not (positive.any() and (~positive).any()):
        return None
    probs = softmax(predict_batched(lambda w: model.predict(w, verbose=0), windows))
    cry = pool_windows(probs, counts, cry_index).cry
    found = binary_metrics(cry, positive, threshold_for_fpr(cry, positive, max_fpr))
    LOG.info(
        "teachers on validation (float, logits averaged): AUC %.4f, recall %.1f %% at FPR %.1f %%",
        found.auc or 0.0, 100 * (found.recall or 0.0), 100 * (found.fpr or 0.0),
    )  # fmt: skip
    return {"auc": found.auc, "cry_recall": found.recall, "cry_fpr": found.fpr}


def _mined_sources(
    model: Any, clips: list[Clip], plan: LabelPlan, options: TrainOptions, length: int
) -> tuple[list[WindowSource], dict[str, Any]]:
    """Training sources with the hardest clips weighted up, and what was mined (for model.json).

    The negatives a network scores highest as crying (on the shared data mostly sirens, horns and
    animals) are the kind that set its threshold; a short, gentle second pass that weighs them
    more lifted AUC and recall on every seed tried (bench/README.md, "Fifth round"). With
    `mine_cries`, the cries it scores lowest are weighted up as well.
    """
    cry_index = plan.labels.index(plan.cry_label)

    def cry_scores(indices: list[int]) -> FloatArray:
        return score_clips(
            [clips[i].audio for i in indices], lambda w: softmax(model.predict(w, verbose=0)),
            options.frames, options.hop_frames, cry_index,
        ).cry  # fmt: skip

    negatives = [i for i, c in enumerate(clips) if c.label != plan.cry_label]
    keep = max(1, round(options.mine_fraction * len(negatives)))
    mined = [negatives[int(i)] for i in np.argsort(-cry_scores(negatives))[:keep]]
    folders = dict(sorted(Counter(clips[i].ref.folder for i in mined).items()))
    LOG.info("mined %d training negatives: %s", keep, folders)
    weakest = 0
    if options.mine_cries > 0:
        cries = [i for i, c in enumerate(clips) if c.label == plan.cry_label]
        weakest = round(options.mine_cries * len(cries))
        LOG.info("mined the %d training cries scored lowest", weakest)
        mined += [cries[int(i)] for i in np.argsort(cry_scores(cries), kind="stable")[:weakest]]
    sources = _sources(clips, plan, options, length)
    for i in mined:
        sources[i].weight *= MINED_WEIGHT
    return sources, {"folders": folders, "cries": weakest}


def _seed_keras(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(seed)


def train(options: TrainOptions) -> dict[str, Any]:
    """Run the whole training; returns model.json's content. Raises TrainingError on bad input."""
    started = time.monotonic()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    plan, clips, skipped = _plan(options)
    # The teacher is loaded (and checked) before any window is drawn or network built.
    channels = RunChannels(
        ChannelSettings(options.teacher, options.teacher_share, options.channel, options.cache_dir),
        labels=plan.labels, cry_label=plan.cry_label, seed=options.seed,
    )  # fmt: skip
    LOG.info("labels: %s; %d clips read", ", ".join(plan.labels), len(clips))
    train_idx, val_idx = split_clips(clips, options.val_fraction, options.seed)
    summary = _summary(plan, clips, train_idx, val_idx, skipped)
    LOG.info(
        "group-wise split: %d training clips, %d validation clips", len(train_idx), len(val_idx)
    )
    rng = np.random.default_rng(options.seed)
    length = window_samples(options.frames)
    train_clips = [clips[i] for i in train_idx]
    # Vocal and animal sounds are the negatives most like cries: mixed under a cry they would
    # teach "laughing + faint wail = crying". Backgrounds are the ambient folders only.
    backgrounds = [
        c.audio
        for c in train_clips
        if c.label != plan.cry_label and c.ref.folder not in options.hard_negatives
    ]
    augmenter = channels.augmenter(length, backgrounds)
    channels.prepare(train_clips)
    pool_seconds = 0.0

    def pool(sources: list[WindowSource]) -> tuple[FloatArray, npt.NDArray[Any], FloatArray]:
        """A fresh augmented pool from these sources (the same rng continues between pools);
        with a teacher, its targets are probability rows blended with the teacher's."""
        nonlocal pool_seconds
        begun = time.monotonic()
        scorer = channels.scorer()
        x, y, w = build_pool(
            channels.sources(sources, length), _synthesisers(plan, options), len(plan.labels),
            options.windows_per_label, augmenter=augmenter, frames=options.frames, rng=rng,
            workers=options.workers, scorer=scorer,
            progress=lambda done, total: LOG.info("augmenting: %d/%d windows", done, total),
        )  # fmt: skip
        pool_seconds += time.monotonic() - begun
        soft = channels.soft_targets(scorer, y, options.label_smoothing)
        return x, (y if soft is None else soft), w

    features, targets, weights = pool(_sources(train_clips, plan, options, length))
    LOG.info("%d augmented windows in %.0f s", features.shape[0], pool_seconds)

    val_clips = [clips[i] for i in val_idx]
    val_windows, val_counts = windows_for_clips(
        [c.audio for c in val_clips], options.frames, options.hop_frames
    )
    val_targets = np.repeat([plan.labels.index(c.label) for c in val_clips], val_counts).astype(
        np.int64
    )
    val_positive = np.array([c.label == plan.cry_label for c in val_clips], dtype=bool)
    cry_index = plan.labels.index(plan.cry_label)

    init_seed = options.seed if options.init_seed is None else options.init_seed
    # Seed before building: the initial weights come from Keras' global generator, and unseeded
    # they made every training process different (repeats inside one process came out identical).
    _seed_keras(init_seed)
    mean, std = float(features.mean()), float(features.std())
    learning_rate = options.learning_rate or DEFAULT_LEARNING_RATES[options.arch]

    def network(index: int, name: str | None) -> Any:
        return build_model(
            options.arch, len(plan.labels), options.frames, features.shape[2], mean=mean, std=std,
            width=options.width, masking=options.spec_augment, seed=init_seed + index, name=name,
        )  # fmt: skip

    fit_seconds = 0.0

    def train_network(
        net: Any, x: FloatArray, y: npt.NDArray[Any], w: FloatArray, index: int,
        *, epochs: int = options.epochs, rate: float = learning_rate,
    ) -> list[dict[str, float]]:  # fmt: skip
        nonlocal fit_seconds
        begun = time.monotonic()
        history = fit(
            net, x, y, w, epochs=epochs, batch_size=options.batch_size,
            learning_rate=rate, validation=(val_windows, val_targets),
            seed=init_seed + index, label_smoothing=options.label_smoothing,
            weight_averaging=options.weight_averaging,
        )  # fmt: skip
        fit_seconds += time.monotonic() - begun
        return history

    teachers_validation: dict[str, Any] | None = None
    mining: dict[str, Any] | None = None
    count = options.teachers or options.members
    members = [network(k, f"{options.arch}_{k + 1}" if count > 1 else None) for k in range(count)]
    model = ensemble(members)
    LOG.info("%s: %d parameters, %.2f M multiply-adds per 1-s window",
             model.name, parameter_count(model), multiply_adds(model) / 1e6)  # fmt: skip
    history: list[dict[str, float]] = []
    for k, member in enumerate(members):
        if count > 1:
            role = "teacher" if options.teachers else "member"
            LOG.info("training %s %d of %d", role, k + 1, count)
        # Members differ by initialisation and batch order; averaging their logits is meant to
        # steady the run-to-run spread of a single network (bench/README.md, "Second round").
        history = train_network(member, features, targets, weights, k)
    if options.teachers:
        # The student learns from fresh windows: on the teachers' own training windows their
        # predictions are close to the hard labels and teach little beyond them.
        student_x, student_labels, student_w = pool(_sources(train_clips, plan, options, length))
        teacher_logits = predict_batched(lambda w: model.predict(w, verbose=0), student_x)
        teachers_validation = _teacher_figures(
            model, val_windows, val_counts, val_positive, cry_index=cry_index,
            max_fpr=options.max_fpr,
        )  # fmt: skip
        soft = soft_targets(teacher_logits, student_labels, label_smoothing=options.label_smoothing)
        LOG.info("training the student on the predictions of %d teacher(s)", count)
        model = network(count, None)
        history = train_network(model, student_x, soft, student_w, count)
    if options.mine_fraction > 0:
        sources, mined = _mined_sources(model, train_clips, plan, options, length)
        mining = {"fraction": options.mine_fraction, "weight": MINED_WEIGHT,
                  "epochs": MINED_EPOCHS, "learning_rate_factor": MINED_LR_FACTOR, **mined}  # fmt: skip
        mined_x, mined_y, mined_w = pool(sources)
        history = train_network(
            model, mined_x, mined_y, mined_w, MINED_SEED_OFFSET, epochs=MINED_EPOCHS,
            rate=learning_rate * MINED_LR_FACTOR,
        )  # fmt: skip

    tflite = to_int8_tflite(model, features, options.seed)
    extra: dict[str, Any] = {
        "arch": options.arch,
        "params": parameter_count(model),
        "multiply_adds_per_window": multiply_adds(model),
        "model_bytes": len(tflite),
        "window_hop_frames": options.hop_frames,
        "licence_note": ESC50_NOTE if "esc50" in summary["sources"] else None,
    }
    spec = model_json(
        options.name, options.version, plan.labels, cry_label=plan.cry_label,
        frames=options.frames, threshold=0.5, extra=extra,
    )  # fmt: skip
    write_model_dir(options.out, tflite, spec)

    metrics: dict[str, Any] = {}
    threshold = 0.5
    if val_clips:
        try:
            classifier = Classifier(load_model_dir(options.out))
            int8_probs = predict_batched(classifier.predict, val_windows)
        except (ModelError, RuntimeError, ValueError) as err:
            raise TrainingError(
                f"the exported model in {options.out} does not run ({err}); training probably "
                "diverged: try a lower --learning-rate or another --seed"
            ) from err
        float_probs = softmax(predict_batched(lambda w: model.predict(w, verbose=0), val_windows))
        agreement = float(np.mean(int8_probs.argmax(1) == float_probs.argmax(1)))
        scores = pool_windows(int8_probs, val_counts, cry_index)
        if val_positive.any() and (~val_positive).any():
            threshold = threshold_for_fpr(scores.cry, val_positive, options.max_fpr)
        else:
            LOG.warning("validation lacks crying or other clips: threshold left at 0.5")
        report = build_report(
            [c.ref.folder for c in val_clips], [c.label for c in val_clips],
            [c.ref.source for c in val_clips], scores, labels=plan.labels,
            cry_label=plan.cry_label, threshold=threshold,
            groups=[c.ref.group_id for c in val_clips],
            names=[c.ref.path.name for c in val_clips], max_fpr=options.max_fpr,
        )  # fmt: skip
        stress = stress_report(
            [c.audio for c in val_clips if c.label == plan.cry_label], classifier.predict,
            frames=options.frames, hop_frames=options.hop_frames, cry_index=cry_index,
            threshold=threshold, seed=options.seed,
        )  # fmt: skip
        channel_figures = validation_channels(
            [c.audio for c in val_clips], val_positive, [c.ref.source for c in val_clips],
            scores.cry, classifier.predict, frames=options.frames, hop_frames=options.hop_frames,
            cry_index=cry_index, threshold=threshold,
            cache_dir=None if options.cache_dir is None else options.cache_dir / "phone",
        )  # fmt: skip
        LOG.info("channel figures at the threshold:\n%s", "\n".join(channel_lines(channel_figures)))
        metrics = {"validation": report, "int8_float_argmax_agreement": agreement, "stress": stress,
                   "channels": channel_figures}  # fmt: skip
        LOG.info(
            "stress: %s",
            ", ".join(f"{k} {v if v is None else round(v, 3)}" for k, v in stress.items()),
        )
        LOG.info("validation through the exported int8 model:\n%s", format_report(report))
        LOG.info("int8 vs float argmax agreement on validation windows: %.2f %%", 100 * agreement)
        conf = report["confusion"]
        save_report_plot(
            options.out / PLOT_FILE, np.array(conf["counts"]), conf["rows"], conf["columns"],
            cry_scores=scores.cry, positive=val_positive, threshold=threshold,
            title=f"{options.name} ({options.arch}): group-wise validation",
        )  # fmt: skip
    spec["threshold"] = threshold
    spec["metrics"] = metrics
    spec["training"] = {
        "command": options.command,
        "seed": options.seed,
        "init_seed": init_seed,
        "epochs": options.epochs,
        "windows_per_label": options.windows_per_label,
        "label_smoothing": options.label_smoothing,
        "spec_augment": options.spec_augment,
        "weight_averaging": options.weight_averaging,
        "members": options.members,
        "teachers": options.teachers,
        "teachers_validation": teachers_validation,
        "mining": mining,
        "augmented_windows": int(features.shape[0]),
        "val_fraction": options.val_fraction,
        "max_fpr": options.max_fpr,
        "hard_negatives": list(options.hard_negatives),
        **channels.describe(),
        "final_epoch": history[-1] if history else {},
        "pool_seconds": round(pool_seconds, 1),
        "fit_seconds": round(fit_seconds, 1),
        "wall_seconds": round(time.monotonic() - started, 1),
        **summary,
        "validation_groups": sorted({c.ref.group_id for c in val_clips}),
    }
    write_spec(options.out, spec)
    if val_clips and options.tune_hours > 0:
        t0 = time.monotonic()
        night_plan = NightPlan(
            plan.cry_label, options.noise_label, options.quiet_label, options.tune_hours,
            options.seed,
        )  # fmt: skip
        detector = tune_operating_point(load_model_dir(options.out), val_clips, night_plan)
        if detector is not None:
            spec["detector"] = detector
        spec["training"]["tuning_seconds"] = round(time.monotonic() - t0, 1)
        spec["training"]["wall_seconds"] = round(time.monotonic() - started, 1)
        write_spec(options.out, spec)
    (options.out / CARD_FILE).write_text(render_card(spec), encoding="utf-8")
    LOG.info("wrote %s (%d bytes, threshold %.4g) in %.0f s", options.out, len(tflite), threshold,
             spec["training"]["wall_seconds"])  # fmt: skip
    return spec
