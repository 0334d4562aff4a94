"""Map dataset folders to model labels, and check every label has enough clips before training."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import TrainingError


@dataclass(frozen=True)
class LabelPlan:
    """The model's labels, which folder feeds which label, and which labels are synthesised."""

    labels: tuple[str, ...]
    folder_to_label: dict[str, str]
    synthesised: frozenset[str]
    cry_label: str


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """'FOLDER=LABEL' strings -> dict; a malformed item is an error."""
    mapping: dict[str, str] = {}
    for item in items:
        folder, sep, label = item.partition("=")
        if not sep or not folder.strip() or not label.strip():
            raise TrainingError(f"--map {item!r}: expected FOLDER=LABEL, e.g. --map whimper=crying")
        mapping[folder.strip()] = label.strip()
    return mapping


def plan_labels(
    folders: Iterable[str],
    labels: Sequence[str] | None,
    mapping: dict[str, str],
    other_label: str | None,
    *,
    synth_labels: Iterable[str] = (),
    cry_label: str = "crying",
) -> LabelPlan:
    """Decide each folder's label; unknown names and unmappable folders are errors."""
    present = sorted(set(folders))
    unknown_folders = sorted(set(mapping) - set(present))
    if unknown_folders:
        raise TrainingError(
            f"--map names folders that no dataset has: {', '.join(unknown_folders)} "
            f"(folders found: {', '.join(present)})"
        )
    if labels is None:
        derived = {mapping.get(f, f) for f in present}
        labels = [cry_label, *sorted(derived - {cry_label})]
    label_list = [str(label) for label in labels]
    if len(set(label_list)) != len(label_list):
        raise TrainingError(f"--labels lists a label twice: {', '.join(label_list)}")
    if cry_label not in label_list:
        raise TrainingError(
            f"the labels must include the cry label {cry_label!r}: got {label_list}"
        )
    unknown_labels = sorted({lab for lab in mapping.values() if lab not in label_list})
    if unknown_labels:
        raise TrainingError(
            f"--map targets labels that are not model labels: {', '.join(unknown_labels)} "
            f"(model labels: {', '.join(label_list)})"
        )
    if other_label is not None and other_label not in label_list:
        raise TrainingError(f"--other-label {other_label!r} is not one of the labels {label_list}")
    folder_to_label: dict[str, str] = {}
    for folder in present:
        if folder in mapping:
            folder_to_label[folder] = mapping[folder]
        elif folder in label_list:
            folder_to_label[folder] = folder
        elif other_label is not None:
            folder_to_label[folder] = other_label
        else:
            raise TrainingError(
                f"folder {folder!r} is not a label: add it to --labels, map it with "
                f"--map {folder}=LABEL, or merge leftovers with --other-label"
            )
    synthesised = frozenset(lab for lab in synth_labels if lab in label_list)
    return LabelPlan(tuple(label_list), folder_to_label, synthesised, cry_label)


def check_counts(plan: LabelPlan, counts: Counter[str], min_clips: int) -> None:
    """Every label needs `min_clips` real clips, unless training synthesises it."""
    problems = [
        f"{label} ({counts.get(label, 0)})"
        for label in plan.labels
        if label not in plan.synthesised and counts.get(label, 0) < min_clips
    ]
    if problems:
        raise TrainingError(
            f"too few clips for labels: {', '.join(problems)}; each needs at least {min_clips} "
            "(record more, merge the label with --map, or lower --min-clips)"
        )
