"""`evaluate`: score folder-per-label clips with an exported model through the monitor's own classifier."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from babblefish_monitor.api.state import second_opinion_dict
from babblefish_monitor.audio.cascade import cascade_for
from babblefish_monitor.audio.committee import classifier_for
from babblefish_monitor.audio.model import SPEC_FILE, ModelSpec, load_model_dir

from .cascade_scoring import fused_clip_scores
from .dataset import Clip, ClipRef, load_clips, scan_datasets
from .devmetrics import full_band_cries, rate_entry
from .errors import TrainingError, require_folder
from .metrics import roc_auc
from .report import build_report
from .scoring import ClipScores, pool_windows, predict_batched, windows_for_clips

LOG = logging.getLogger("babblefish_training")
SPLITS = ("all", "validation", "train")


def true_label(folder: str, spec: ModelSpec, mapping: dict[str, str]) -> str | None:
    """The model label a data folder stands for: --map, then the training mapping, then its name."""
    trained = spec.extra.get("training", {}).get("folders", {})
    label = (
        mapping.get(folder) or trained.get(folder) or (folder if folder in spec.labels else None)
    )
    return label if label in spec.labels else None


def _select(refs: list[ClipRef], spec: ModelSpec, split: str) -> list[ClipRef]:
    if split == "all":
        return refs
    groups = spec.extra.get("training", {}).get("validation_groups")
    if groups is None:
        raise TrainingError(f"{spec.directory} records no validation groups: use --split all")
    chosen = set(groups)
    keep = [r for r in refs if (r.group_id in chosen) == (split == "validation")]
    if not keep:
        raise TrainingError(f"no clips of these folders are in the model's {split} split")
    return keep


def score_dataset(
    spec: ModelSpec, data: list[Path], split: str = "all", strict: bool = False
) -> tuple[list[Clip], ClipScores, int]:
    """The clips of `split` through the model (the monitor's classifier), and unreadable files."""
    clips, windows, skipped = _score_windows(spec, data, split, strict)
    return clips, windows.clips, skipped


class _Windows:
    """Every window's probabilities, how many windows each clip has, and the clips pooled."""

    def __init__(self, probs: npt.NDArray[np.float32], counts: npt.NDArray[np.int64], cry: int):
        self.probs, self.counts = probs, counts
        self.clips = pool_windows(probs, counts, cry)


def _score_windows(
    spec: ModelSpec, data: list[Path], split: str, strict: bool
) -> tuple[list[Clip], _Windows, int]:
    refs = _select(scan_datasets(data), spec, split)
    clips, loaded = load_clips(((r, r.folder) for r in refs), strict)
    if not clips:
        raise TrainingError("no readable clips to evaluate")
    if loaded.skipped:
        LOG.warning("skipped %d unreadable file(s)", len(loaded.skipped))
    windows, counts = windows_for_clips([c.audio for c in clips], spec.input_frames, _hop(spec))
    probs = predict_batched(classifier_for(spec).predict, windows)
    return clips, _Windows(probs, counts, spec.cry_index), len(loaded.skipped)


def _hop(spec: ModelSpec) -> int:
    return int(spec.extra.get("window_hop_frames", spec.input_frames // 2))


def cascade_figures(
    spec: ModelSpec, clips: list[Clip], windows: _Windows, positive: npt.NDArray[np.bool_]
) -> dict[str, Any] | None:
    """What the monitor decides on with a second opinion: the fused clip scores at the cascade's
    own threshold (None for a model directory without one)."""
    cascade = cascade_for(spec)
    if cascade.status.status == "off":
        return None
    out: dict[str, Any] = dict(second_opinion_dict(cascade.status))  # as /api/v1/info says
    if cascade.spec is None:
        return out  # unavailable: the monitor runs the small model alone, as reported above
    threshold = cascade.operating_spec(spec).threshold
    audios = [c.audio for c in clips]
    cry = windows.probs[:, spec.cry_index].astype(np.float64)
    fused = fused_clip_scores(
        audios, cry, windows.counts, cascade, model=spec, hop_frames=_hop(spec)
    )
    sources = [c.ref.source for c in clips]
    out.update({
        "threshold": threshold,
        "auc": roc_auc(fused.cry, positive) if positive.any() and not positive.all() else None,
        "cry_recall": rate_entry(fused.cry[positive] >= threshold),
        "cry_fpr": rate_entry(fused.cry[~positive] >= threshold),
        "full_band_cries": full_band_cries(fused.cry.astype(np.float32), positive, sources, threshold),
        "windows_asked": round(fused.asked_fraction, 4),
    })  # fmt: skip
    return out


def evaluate(
    model_dir: Path | None, data: list[Path], mapping: dict[str, str], split: str = "all",
    strict: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """The report dict (see report.build_report) plus model name and skipped-file count."""
    if model_dir is not None:
        require_folder(
            model_dir, "--model", f"point it at the model folder, the one holding {SPEC_FILE}"
        )
    spec = load_model_dir(model_dir)
    unknown = sorted(lab for lab in mapping.values() if lab not in spec.labels)
    if unknown:
        raise TrainingError(
            f"--map targets labels the model does not have: {', '.join(unknown)} "
            f"(model labels: {', '.join(spec.labels)})"
        )
    clips, windows, skipped = _score_windows(spec, data, split, strict)
    scores = windows.clips
    report = build_report(
        [c.ref.folder for c in clips],
        [true_label(c.ref.folder, spec, mapping) for c in clips],
        [c.ref.source for c in clips],
        scores,
        labels=spec.labels,
        cry_label=spec.cry_label,
        threshold=spec.threshold,
        groups=[c.ref.group_id for c in clips],
        names=[c.ref.path.name for c in clips],
        max_fpr=float(spec.extra.get("training", {}).get("max_fpr", 0.01)),
    )
    truth = [true_label(c.ref.folder, spec, mapping) for c in clips]
    positive = np.array([t == spec.cry_label for t in truth], dtype=bool)
    # Phone cries (donateacry) dominate the data; the cries from other microphones are what a
    # nursery's USB microphone resembles, so they get their own line.
    full_band = full_band_cries(scores.cry, positive, [c.ref.source for c in clips], spec.threshold)
    # A cascade's monitor decides on the fused score: the figures above are its small network's.
    cascade = cascade_figures(spec, clips, windows, positive)
    return {"model": spec.name, "model_dir": str(spec.directory), "split": split,
            "skipped_files": skipped, **report, "full_band_cries": full_band,
            **({"cascade": cascade} if cascade is not None else {})}  # fmt: skip
