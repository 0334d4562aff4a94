"""`committee`: a model directory whose network is joined by sibling networks of its recipe.

The siblings must have been trained on the same split (the same validation groups): the
committee's threshold is chosen on that split, and a sibling that trained on those clips would
make it look better than it is.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from babblefish_monitor.audio.committee import SECTION, read_committee
from babblefish_monitor.audio.model import SPEC_FILE, ModelSpec, load_model_dir

from .errors import TrainingError, require_folder
from .evaluate import score_dataset, true_label
from .metrics import binary_metrics, threshold_for_fpr
from .modeldir import rewrite_spec, write_spec

# The share of validation negatives a threshold may let through, for a network trained before
# training recorded its own `max_fpr`.
DEFAULT_MAX_FPR = 0.01


def _check_sibling(first: ModelSpec, member: ModelSpec) -> None:
    def groups(spec: ModelSpec) -> list[str]:
        return sorted(spec.extra.get("training", {}).get("validation_groups", []))

    differs = [
        what
        for what, mine, theirs in (
            ("labels", first.labels, member.labels),
            ("input frames", first.input_frames, member.input_frames),
            ("validation groups", groups(first), groups(member)),
        )
        if mine != theirs
    ]
    if differs:
        raise TrainingError(
            f"--member {member.directory} differs from --model {first.directory} in its "
            f"{', '.join(differs)}: a committee's networks must be trained alike on the same "
            "split (the same babblefish-train command, another --init-seed)"
        )


def _network(spec: ModelSpec, file: str) -> dict[str, Any]:
    training = spec.extra.get("training", {})
    return {"file": file, "init_seed": training.get("init_seed"),
            "command": training.get("command")}  # fmt: skip


def build_committee(
    model: Path,
    members: list[Path],
    *,
    gate: float,
    data: list[Path],
    out: Path,
    command: str,
    version: str | None = None,
) -> dict[str, Any]:
    """Write `out`: `model`'s directory with `members`' networks as its committee, at a threshold
    chosen on the validation split of `data` (`version`: the new model's; default the first's).
    Returns what was recorded."""
    if not 0.0 <= gate < 1.0:
        raise TrainingError(f"--gate {gate} must lie from 0 up to (not including) 1")
    for path in (model, *members):
        require_folder(path, "--model" if path == model else "--member",
                       f"point it at a model folder, the one holding {SPEC_FILE}")  # fmt: skip
    first = load_model_dir(model)
    if read_committee(first) is not None:
        raise TrainingError(f"--model {model} is already a committee: start from one network")
    siblings = [load_model_dir(m) for m in members]
    for sibling in siblings:
        _check_sibling(first, sibling)
    if out.exists() and any(out.iterdir()):
        raise TrainingError(f"--out {out} is not empty: name a new folder")
    shutil.copytree(model, out, dirs_exist_ok=True)
    files = [f"member-{i}.tflite" for i in range(1, len(siblings) + 1)]
    for sibling, file in zip(siblings, files, strict=True):
        shutil.copy(sibling.model_path, out / file)
    spec: dict[str, Any] = json.loads((out / SPEC_FILE).read_text(encoding="utf-8"))
    spec[SECTION] = {
        "members": files,
        "gate": gate,
        "networks": [_network(first, "model.tflite")]
        + [_network(s, f) for s, f in zip(siblings, files, strict=True)],
        "command": command,
    }
    write_spec(out, spec)  # so that the folder loads as the committee it is becoming
    spec[SECTION]["validation"] = validation = _validation(load_model_dir(out), data)
    spec["threshold"] = validation["threshold"]
    if version is not None:
        spec["version"] = version
    cascade = spec.get("cascade")
    if isinstance(cascade, dict):
        # Its fused threshold belonged to the single network's scores.
        cascade.pop("fused_threshold", None)
        cascade["chosen_on"] = (
            "not yet chosen for this committee: run bench/cascade_bench.py --model on it "
            "with --record"
        )
    rewrite_spec(out, spec)
    section: dict[str, Any] = spec[SECTION]
    return section


def _validation(spec: ModelSpec, data: list[Path]) -> dict[str, Any]:
    """The committee's validation clips: its threshold at the false-positive share training chose
    the first network's at, and its figures there."""
    clips, scores, _ = score_dataset(spec, data, "validation")
    positive = np.array([true_label(c.ref.folder, spec, {}) == spec.cry_label for c in clips])
    if positive.all() or not positive.any():
        raise TrainingError("the validation split needs both cries and other sounds")
    max_fpr = float(spec.extra.get("training", {}).get("max_fpr", DEFAULT_MAX_FPR))
    found = binary_metrics(scores.cry, positive, threshold_for_fpr(scores.cry, positive, max_fpr))
    return {"clips": len(clips), "threshold": found.threshold, "auc": found.auc,
            "cry_recall": found.recall, "cry_fpr": found.fpr}  # fmt: skip
