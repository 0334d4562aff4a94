"""Render MODEL_CARD.md from model.json: what the model is, how it was trained, how well it does."""

from __future__ import annotations

from typing import Any

from babblefish_monitor.audio.detector import shifted_threshold

from .devmetrics import card_section


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _metrics_section(metrics: dict[str, Any]) -> list[str]:
    val = metrics.get("validation")
    if not val:
        return [
            "No validation split was held out, so there are no metrics and the threshold is 0.5."
        ]
    auc = val["auc"]
    caution = val.get("small_sample_warning")
    lines = [
        *([f"**Caution:** {caution}.", ""] if caution else []),
        f"Group-wise validation (recording groups never seen in training), {val['clips']} clips "
        f"({val['cry_clips']} crying, {val['other_clips']} other), scored through the exported int8 model "
        "with the monitor's own classifier. A clip's cry score is its highest 1-s window "
        "probability of crying (windows every 0.5 s).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| ROC AUC, crying vs not | {'n/a' if auc is None else f'{auc:.4f}'} |",
        f"| threshold (chosen on this validation set for FPR <= 1 %) | {val['threshold']:.4g} |",
        f"| cry recall at the threshold | {_pct(val['cry_recall'])} |",
        f"| false-positive rate at the threshold | {_pct(val['cry_fpr'])} |",
        *_interval_row(val.get("cry_recall_interval")),
        f"| int8 vs float argmax agreement (windows) | {_pct(metrics.get('int8_float_argmax_agreement'))} |",
    ]
    for source, entry in val["by_source"].items():
        if "cry_recall" in entry:
            lines.append(
                f"| cries from `{source}`: recall, AUC vs all negatives | "
                f"{_pct(entry['cry_recall'])}, {entry['cry_auc_vs_all_negatives']:.4f} |"
            )
    top = val.get("top_negatives")
    if top:
        named = ", ".join(f"`{n['clip']}` ({n['folder']}, {n['score']:.3f})" for n in top)
        lines += [
            "",
            f"The validation negatives that score highest, which set the threshold: {named}. "
            "More recordings like these, labelled, are what would lift the recall.",
        ]
    stress = metrics.get("stress") or {}
    if stress:
        lines += [
            "",
            "Stress checks at the same threshold (validation cries re-levelled or mixed with "
            "white/pink/brown noise; 40 synthetic 5-s clips each for rooms and machines):",
            "",
        ]
        lines += ["| check | rate |", "|---|---|"]
        lines += [f"| {name.replace('_', ' ')} | {_pct(value)} |" for name, value in stress.items()]
    lines += card_section(metrics)
    lines += ["", "Per class (precision / recall / support):", ""]
    lines += ["| label | precision | recall | support |", "|---|---|---|---|"]
    for label, m in val["per_class"].items():
        lines.append(f"| {label} | {_pct(m['precision'])} | {_pct(m['recall'])} | {m['support']} |")
    return lines


def _interval_row(interval: dict[str, float] | None) -> list[str]:
    if not interval:
        return []
    return [
        f"| cry recall at <= {_pct(interval['max_fpr'])} FPR, 90 % bootstrap interval (recording "
        f"groups redrawn, threshold re-chosen) | {_pct(interval['low'])} to {_pct(interval['high'])} |"
    ]


def _detector_sentence(spec: dict[str, Any]) -> str:
    detector = spec.get("detector")
    if not detector:
        return ""
    shift = float(detector["threshold_shift"])
    # With a second opinion the detector acts on the fused score, at the fused threshold.
    fused = (spec.get("cascade") or {}).get("fused_threshold")
    base, which = (spec["threshold"], "that") if fused is None else (fused, "the fused threshold")
    return (
        f" The monitor starts an episode {shift:g} log-odds below {which} "
        f"({shifted_threshold(base, shift):.4g}, per 1-s window), tuned for this model "
        f"with `{detector.get('tuned_with', '?')}` on {detector.get('tuned_on', '?')}."
        f"{_night_sentence(detector)}"
    )


def _night_sentence(detector: dict[str, Any]) -> str:
    night = detector.get("night")
    if not night:
        return ""
    verdict = (
        "every target met"
        if detector.get("targets_met")
        else "not every target met at any shift; `detector.scan` in model.json has them all"
    )
    return (
        f" There: episode recall {_pct(night['episode_recall'])}, "
        f"{night['false_alarms_per_hour']:.2f} false alarms an hour, cry minutes "
        f"{night['cry_minutes_error_pct']:+.1f} %, median onset {night['onset_latency_median_s']:.2f} s "
        f"({verdict})."
    )


def _distillation_lines(training: dict[str, Any]) -> list[str]:
    teachers = training.get("teachers") or 0
    if not teachers:
        return []
    by = (
        "the predictions of a network trained first"
        if teachers == 1
        else f"the averaged predictions of {teachers} networks trained first"
    )
    line = f"- distilled: this network learnt from fresh windows labelled by {by}"
    found = training.get("teachers_validation")
    if found:
        line += (
            f" (the teachers' float output on the validation clips: AUC {found['auc']:.4f}, recall "
            f"{_pct(found['cry_recall'])} at {_pct(found['cry_fpr'])} false positives)"
        )
    return [line]


def _mining_lines(training: dict[str, Any]) -> list[str]:
    mining = training.get("mining")
    if not mining:
        return []
    folders = ", ".join(f"{folder} {count}" for folder, count in mining["folders"].items())
    # Models trained before cries were mined have no "cries" entry.
    cries = mining.get("cries", 0)
    also = f", and the {cries} cries it scored lowest," if cries else ""
    return [
        f"- then the {sum(mining['folders'].values())} training negatives the network scored "
        f"highest as crying ({folders}){also} weighed {mining['weight']:g} times more in "
        f"{mining['epochs']} further epochs on fresh windows at "
        f"{mining['learning_rate_factor']:g} times the learning rate"
    ]


def _cascade_lines(cascade: dict[str, Any] | None, small: str) -> list[str]:
    """The opening paragraph of a model that asks a second model about cry-like windows;
    `small` names what is always on (the small network, or a committee)."""
    if not cascade:
        return []
    return [
        f"**A cascade: {small}, with {cascade['name']} (`{cascade['file']}`) asked for a second "
        f"opinion** on every window it scores >= {cascade['gate']:g} as crying; the "
        f"detector acts on the {cascade['fusion']} of the two calibrated scores, "
        f"{_fused_threshold(cascade)}. The generated sections below describe the small network; "
        "the cascade's figures are in the notes. Without the second model the monitor runs it "
        "alone at its own threshold.",
        "",
    ]


def _fused_threshold(cascade: dict[str, Any]) -> str:
    fused = cascade.get("fused_threshold")
    if fused is None:
        return "at the small network's own threshold"
    return f"at a fused threshold of {fused:.4g}"


def _committee_lines(committee: dict[str, Any] | None) -> list[str]:
    """The opening paragraph of a model whose network is joined by sibling networks."""
    if not committee:
        return []
    seeds = ", ".join(str(n.get("init_seed")) for n in committee.get("networks", []))
    val = committee.get("validation")
    chosen = (
        f" Its threshold on the validation split, {val['threshold']:.4g}, allows "
        f"{_pct(val['cry_fpr'])} false positives and catches {_pct(val['cry_recall'])} of the "
        f"cries (AUC {val['auc']:.4f}, {val['clips']} clips)."
        if val
        else ""
    )
    return [
        f"**A committee of {len(committee['members']) + 1} networks of one recipe** (init seeds "
        f"{seeds}): the network described below scores every window, and where its cry score "
        f"is >= {committee['gate']:g} its siblings (`{'`, `'.join(committee['members'])}`) are "
        "asked too; there every label's probability is their consensus (the softmax of the "
        f"mean log-probability).{chosen} The generated sections below describe the first "
        "network alone.",
        "",
        "```sh",
        str(committee.get("command", "(unknown)")),
        "```",
        "",
    ]


def render_card(spec: dict[str, Any]) -> str:
    """Markdown model card for a model directory."""
    training = spec.get("training", {})
    lines = [
        f"# {spec['name']} {spec['version']}",
        "",
        *_committee_lines(spec.get("committee")),
        *_cascade_lines(
            spec.get("cascade"),
            "the committee" if spec.get("committee") else "the small network below",
        ),
        f"Architecture `{spec.get('arch')}`: {spec.get('params', 0):,} parameters, "
        f"{spec.get('multiply_adds_per_window', 0) / 1e6:.2f} M multiply-adds per 1-s window, "
        f"{spec.get('model_bytes', 0):,} bytes as full-integer int8 TFLite (int8 in, int8 logits "
        "out; the monitor applies a float softmax).",
        "",
        f"Labels: {', '.join(f'`{lab}`' for lab in spec['labels'])}; the cry label is "
        f"`{spec['cry_label']}` and the operating threshold on its probability is "
        f"{spec['threshold']:.4g}.{_detector_sentence(spec)}",
        "",
        "Input: 1 s of 16 kHz mono audio as 98 x 40 log-mel frames from the monitor's frontend "
        "(25 ms window, 10 ms hop, 60-4000 Hz).",
        "",
        "## Training",
        "",
        "```sh",
        training.get("command", "(unknown)"),
        "```",
        "",
        f"- clips per label (training): {training.get('train_clips')}",
        f"- clips per label (validation): {training.get('validation_clips')}",
        f"- folders -> labels: {training.get('folders')}",
        f"- synthesised labels: {training.get('synthesised_labels')}",
        f"- sources: {training.get('sources')}; unreadable files skipped: {training.get('skipped_files')}",
        f"- {training.get('augmented_windows')} augmented windows x {training.get('epochs')} epochs, "
        f"seed {training.get('seed')}, wall time {training.get('wall_seconds')} s",
        *_distillation_lines(training),
        *_mining_lines(training),
        "",
        "## Metrics",
        "",
        *_metrics_section(spec.get("metrics", {})),
        "",
        "## Licence",
        "",
        spec.get("licence_note") or "See the licences of the training data.",
        "",
    ]
    return "\n".join(lines)
