"""The plan stage: datasets -> label plan -> clips read -> group-wise split -> validation windows."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from babblefish_training.dataset import Clip, load_clips, scan_datasets
from babblefish_training.errors import TrainingError, refuse_file
from babblefish_training.labels import LabelPlan, check_counts, plan_labels
from babblefish_training.options import TrainOptions
from babblefish_training.pool import FloatArray
from babblefish_training.scoring import windows_for_clips
from babblefish_training.split import split_groups

LOG = logging.getLogger("babblefish_training")


@dataclass(frozen=True)
class ValidationSet:
    """The held-out clips as stacked windows, with each window's label and each clip's truth."""

    windows: FloatArray
    counts: npt.NDArray[np.int64]  # windows per clip
    targets: npt.NDArray[np.int64]  # label index per window
    positive: npt.NDArray[np.bool_]  # per clip: is it a cry

    @property
    def both_classes(self) -> bool:
        """Whether there are cries and non-cries to measure a crying-vs-not figure on."""
        return bool(self.positive.any() and (~self.positive).any())


@dataclass(frozen=True)
class RunPlan:
    """What a run trains on: the labels, the split clips and the summary model.json records."""

    labels: LabelPlan
    train_clips: list[Clip]
    val_clips: list[Clip]
    validation: ValidationSet
    summary: dict[str, Any]

    @property
    def cry_index(self) -> int:
        """The crying label's output index."""
        return self.labels.labels.index(self.labels.cry_label)


def split_clips(clips: list[Clip], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Training and validation indices by recording group, stratified by model label and source.

    Stratifying by dataset folder instead would make the split independent of the label
    mapping (fairer comparisons between label sets), but it would move the default model's
    split, and the shipped model must rebuild exactly from the command in its model.json.
    """
    strata = [f"{c.label}/{c.ref.source}" for c in clips]
    return split_groups([c.ref.group_id for c in clips], strata, val_fraction, seed)


def _read(options: TrainOptions) -> tuple[LabelPlan, list[Clip], int]:
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


def _validation_set(plan: LabelPlan, clips: list[Clip], options: TrainOptions) -> ValidationSet:
    windows, counts = windows_for_clips(
        [c.audio for c in clips], options.frames, options.hop_frames
    )
    targets = np.repeat([plan.labels.index(c.label) for c in clips], counts).astype(np.int64)
    positive = np.array([c.label == plan.cry_label for c in clips], dtype=bool)
    return ValidationSet(windows, counts, targets, positive)


def check_out(out: Path, force: bool) -> None:
    """Refuse an --out that is a file, or a folder with files in it unless `force`."""
    refuse_file(out, "--out", "it names the model folder to write")
    held = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if held and not force:
        shown = ", ".join(held[:4]) + (", ..." if len(held) > 4 else "")
        raise TrainingError(
            f"--out {out} already holds files ({shown}); pass --force to replace them, "
            "or name a new folder"
        )


def plan_run(options: TrainOptions) -> RunPlan:
    """Check --out, read the datasets, fix the labels and split by recording group.

    Raises TrainingError before any training on a mistake it can see.
    """
    check_out(options.out, options.force)
    labels, clips, skipped = _read(options)
    LOG.info("labels: %s; %d clips read", ", ".join(labels.labels), len(clips))
    train_idx, val_idx = split_clips(clips, options.val_fraction, options.seed)
    LOG.info(
        "group-wise split: %d training clips, %d validation clips", len(train_idx), len(val_idx)
    )
    val_clips = [clips[i] for i in val_idx]
    return RunPlan(
        labels=labels,
        train_clips=[clips[i] for i in train_idx],
        val_clips=val_clips,
        validation=_validation_set(labels, val_clips, options),
        summary=_summary(labels, clips, train_idx, val_idx, skipped),
    )
