"""The export stage: int8 TFLite model directory, then validation through the exported model."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from babblefish_monitor.audio.classifier import Classifier, softmax
from babblefish_monitor.audio.model import ModelError, load_model_dir

from babblefish_training.devmetrics import channel_lines, validation_channels
from babblefish_training.errors import TrainingError
from babblefish_training.export import to_int8_tflite
from babblefish_training.metrics import threshold_for_fpr
from babblefish_training.modeldir import PLOT_FILE, model_json, write_model_dir, write_spec
from babblefish_training.models import multiply_adds, parameter_count
from babblefish_training.options import TrainOptions
from babblefish_training.plots import save_report_plot
from babblefish_training.pool import FloatArray
from babblefish_training.report import build_report, format_report
from babblefish_training.scoring import Scorer, pool_windows, predict_batched
from babblefish_training.stress import stress_report

from .fit import Fitted
from .plan import RunPlan

LOG = logging.getLogger("babblefish_training")
DEFAULT_THRESHOLD = 0.5
ESC50_NOTE = (
    "Trained on data that includes ESC-50 clips (CC BY-NC 3.0): non-commercial use only "
    "unless retrained without them."
)


@dataclass(frozen=True)
class Exported:
    """The exported model's bytes and model.json as written: threshold and validation metrics."""

    tflite: bytes
    spec: dict[str, Any]

    @property
    def threshold(self) -> float:
        """The crying threshold chosen on validation (0.5 without a usable validation split)."""
        return float(self.spec["threshold"])


def _validate(options: TrainOptions, plan: RunPlan, fitted: Fitted) -> tuple[float, dict[str, Any]]:
    """The threshold for `max_fpr` and the metrics, scored through the exported int8 model."""
    validation, cry_index = plan.validation, plan.cry_index
    try:
        classifier = Classifier(load_model_dir(options.out))
        int8_probs = predict_batched(classifier.predict, validation.windows)
    except (ModelError, RuntimeError, ValueError) as err:
        raise TrainingError(
            f"the exported model in {options.out} does not run ({err}); training probably "
            "diverged: try a lower --learning-rate or another --seed"
        ) from err
    model = fitted.model
    float_probs = softmax(
        predict_batched(lambda w: model.predict(w, verbose=0), validation.windows)
    )
    agreement = float(np.mean(int8_probs.argmax(1) == float_probs.argmax(1)))
    scores = pool_windows(int8_probs, validation.counts, cry_index)
    threshold = DEFAULT_THRESHOLD
    if validation.both_classes:
        threshold = threshold_for_fpr(scores.cry, validation.positive, options.max_fpr)
    else:
        LOG.warning("validation lacks crying or other clips: threshold left at 0.5")
    clips, labels = plan.val_clips, plan.labels
    report = build_report(
        [c.ref.folder for c in clips],
        [c.label for c in clips],
        [c.ref.source for c in clips],
        scores,
        labels=labels.labels,
        cry_label=labels.cry_label,
        threshold=threshold,
        groups=[c.ref.group_id for c in clips],
        names=[c.ref.path.name for c in clips],
        max_fpr=options.max_fpr,
    )
    scorer = Scorer(classifier.predict, options.frames, options.hop_frames, cry_index, threshold)
    cries = [c.audio for c in clips if c.label == labels.cry_label]
    stress = stress_report(cries, scorer, seed=options.seed)
    channels = validation_channels(
        [c.audio for c in clips],
        validation.positive,
        [c.ref.source for c in clips],
        scores.cry,
        scorer,
        cache_dir=None if options.cache_dir is None else options.cache_dir / "phone",
    )
    LOG.info("channel figures at the threshold:\n%s", "\n".join(channel_lines(channels)))
    LOG.info(
        "stress: %s", ", ".join(f"{k} {v if v is None else round(v, 3)}" for k, v in stress.items())
    )
    LOG.info("validation through the exported int8 model:\n%s", format_report(report))
    if report["small_sample_warning"]:
        LOG.warning("%s", report["small_sample_warning"])
    LOG.info("int8 vs float argmax agreement on validation windows: %.2f %%", 100 * agreement)
    conf = report["confusion"]
    save_report_plot(
        options.out / PLOT_FILE,
        np.array(conf["counts"]),
        conf["rows"],
        conf["columns"],
        cry_scores=scores.cry,
        positive=validation.positive,
        threshold=threshold,
        title=f"{options.name} ({options.arch}): group-wise validation",
    )
    return threshold, {
        "validation": report,
        "int8_float_argmax_agreement": agreement,
        "stress": stress,
        "channels": channels,
    }


def export_stage(
    options: TrainOptions, plan: RunPlan, fitted: Fitted, calibration: FloatArray
) -> Exported:
    """Write `options.out` (int8, calibrated on `calibration` windows), validate it, record both."""
    tflite = to_int8_tflite(fitted.model, calibration, options.seed)
    extra: dict[str, Any] = {
        "arch": options.arch,
        "params": parameter_count(fitted.model),
        "multiply_adds_per_window": multiply_adds(fitted.model),
        "model_bytes": len(tflite),
        "window_hop_frames": options.hop_frames,
        "licence_note": ESC50_NOTE if "esc50" in plan.summary["sources"] else None,
    }
    spec = model_json(
        options.name,
        options.version,
        plan.labels.labels,
        cry_label=plan.labels.cry_label,
        frames=options.frames,
        threshold=DEFAULT_THRESHOLD,
        extra=extra,
    )
    write_model_dir(options.out, tflite, spec)
    threshold, metrics = DEFAULT_THRESHOLD, dict[str, Any]()
    if plan.val_clips:
        threshold, metrics = _validate(options, plan, fitted)
    spec = {**spec, "threshold": threshold, "metrics": metrics}
    # Tuning loads the model directory: it must see the validated threshold.
    write_spec(options.out, spec)
    return Exported(tflite, spec)
