"""The held-out-like figures of a model on the dev data: clips, full-band cries, channel swap, nights.

    python bench/dev_bench.py --model DIR [--nights bench/out/night-A.flac ...] [--json OUT]

Clips: the model's validation split (its model.json names the groups) at its shipped threshold:
AUC, recall of phone (`dac`) cries, false-positive rate. Full-band cries: every dev cry that is
not a phone recording (most were training clips: optimistic) and the validation ones alone.
Channel swap: validation negatives through phone lines, validation cries through rooms at 2-3 m.
Nights: episode recall, false alarms per hour and the onset latency as announced (the
`cry_started` event's stream time, not the start it is back-dated to), at the model's own
detector settings. Targets (issue 12) are printed beside each figure.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.cascade import Cascade, cascade_for
from babblefish_monitor.audio.committee import classifier_for
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import ModelSpec, load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_training.devmetrics import (
    channel_swap,
    format_rate,
    full_band_cries,
    rate_entry,
    swap_clips,
)
from babblefish_training.evaluate import score_dataset, true_label
from babblefish_training.metrics import roc_auc
from babblefish_training.modeldir import rewrite_spec
from babblefish_training.operating_point import trial
from babblefish_training.scoring import Scorer

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
DATA = [
    ROOT.parents[1] / "shared" / "data" / "dev",
    ROOT.parents[1] / "shared" / "data" / "dev_extra",
]
# The tuning night (training's held-out night, written by cascade_bench.py) when it is there.
NIGHTS = [ROOT / "out" / f"night-{s}.flac" for s in "ABC"] + [ROOT / "out" / "tuning-night.flac"]


def operating(spec: ModelSpec) -> tuple[ModelSpec, Cascade]:
    """The spec at the threshold the detector acts on (a cascade's fused one), and the cascade."""
    cascade = cascade_for(spec)
    return cascade.operating_spec(spec), cascade


def cascade_cry(
    name: str, audios: list[Any], spec: ModelSpec, cascade: Cascade, cache: Path
) -> npt.NDArray[np.float64]:
    """Clip cry scores as the cascade fuses them (windows as `score_dataset` cuts them)."""
    from cascade_scores import clip_scores, fused, pooled

    assert cascade.spec is not None
    ws = clip_scores(name, audios, spec, cascade.spec.path, cache / "cascade")
    return pooled(ws, fused(ws, cascade)[0])


def cascade_swap(
    cries: list[Any], negatives: list[Any], spec: ModelSpec, cascade: Cascade, *, cache: Path,
    t: float,
) -> dict[str, Any]:  # fmt: skip
    """`channel_swap` for a cascade: the same phone lines and rooms, fused scores."""
    heard, coded = swap_clips(cries, negatives, cache)
    phoned = cascade_cry("phoned", coded, spec, cascade, cache)
    roomed = cascade_cry("rooms", heard, spec, cascade, cache)
    return {"phone_negatives_fpr": rate_entry(phoned >= t),
            "reverberant_cries_recall": rate_entry(roomed >= t)}  # fmt: skip


def clip_figures(model: Path, data: list[Path], cache: Path) -> dict[str, Any]:
    spec = load_model_dir(model)
    clips, scores, _ = score_dataset(spec, data, "all")
    fused_spec, cascade = operating(spec)
    groups = set(spec.extra.get("training", {}).get("validation_groups", []))
    labels = [true_label(c.ref.folder, spec, {}) for c in clips]
    positive = np.array([lab == spec.cry_label for lab in labels], dtype=bool)
    val = np.array([c.ref.group_id in groups for c in clips], dtype=bool)
    sources = [c.ref.source for c in clips]
    t = fused_spec.threshold
    cry = scores.cry
    if cascade.spec is not None:
        cry = cascade_cry("clips", [c.audio for c in clips], spec, cascade, cache).astype(
            np.float32
        )
    val_sources = [s for s, v in zip(sources, val, strict=True) if v]
    figures: dict[str, Any] = {
        "threshold": t,
        "validation_auc": roc_auc(cry[val], positive[val]),
        "validation_fpr": rate_entry(cry[val & ~positive] >= t),
        "validation_recall": rate_entry(cry[val & positive] >= t),
        "full_band_all_dev": full_band_cries(cry, positive, sources, t),
        "full_band_validation": full_band_cries(cry[val], positive[val], val_sources, t),
    }
    cries = [c.audio for c, v, p in zip(clips, val, positive, strict=True) if v and p]
    negatives = [c.audio for c, v, p in zip(clips, val, positive, strict=True) if v and not p]
    if cascade.spec is not None:
        figures["channel_swap"] = cascade_swap(cries, negatives, spec, cascade, cache=cache, t=t)
        return figures
    hop = int(spec.extra.get("window_hop_frames", spec.input_frames // 2))
    figures["channel_swap"] = channel_swap(
        [c.audio for c, v, p in zip(clips, val, positive, strict=True) if v and p],
        [c.audio for c, v, p in zip(clips, val, positive, strict=True) if v and not p],
        Scorer(classifier_for(spec).predict, spec.input_frames, hop, spec.cry_index, t),
        cache_dir=cache,
    )  # fmt: skip
    return figures


def night_figures(model: Path, night: Path) -> dict[str, Any]:
    from night_bench import score_file

    spec = load_model_dir(model)
    truth = json.loads(night.with_suffix(".truth.json").read_text(encoding="utf-8"))
    scores = score_file(night, spec, DEFAULT_HOP_SECONDS)  # through the cascade, if any
    m = functools.partial(trial, scores, operating(spec)[0], truth, DEFAULT_HOP_SECONDS)(
        DetectorConfig()
    )
    return {"night": night.name, "episodes": m.truth, "found": round(m.recall * m.truth),
            "episode_recall": round(m.recall, 4),
            "false_alarms_per_hour": round(m.false_alarms_per_hour, 3),
            "false_alarm_scenes": m.false_alarm_scenes,
            "announced_onset_median_s": round(m.latency_median, 3),
            "announced_onset_p90_s": round(m.latency_p90, 3),
            "cry_minutes_error_pct": round(m.minutes_error_pct, 2)}  # fmt: skip


def text(fig: dict[str, Any]) -> str:
    c = fig["clips"]
    fb, fbv = c["full_band_all_dev"], c["full_band_validation"]
    swap = c["channel_swap"]
    lines = [
        f"threshold {c['threshold']:.4f}",
        f"validation AUC {c['validation_auc']:.4f} (target >= 0.995)",
        f"validation clip FPR {format_rate(c['validation_fpr'])} (<= 1 %)",
        f"validation cry recall {format_rate(c['validation_recall'])}",
        f"phone (dac) validation cries {format_rate(fbv['phone_cries'])} (>= 92 %)",
        f"full-band dev cries, all {format_rate(fb)}; AUC {fb['auc']:.4f} (>= 90 %)",
        f"full-band validation cries {format_rate(fbv)}",
        f"channel swap: phone-line negatives FPR {format_rate(swap.get('phone_negatives_fpr'))} "
        "(<= 1.5 %)",
        f"channel swap: cries at 2-3 m recall {format_rate(swap.get('reverberant_cries_recall'))} "
        "(>= 88 %)",
    ]
    for n in fig["nights"]:
        lines.append(
            f"{n['night']}: {n['found']}/{n['episodes']} episodes, "
            f"{n['false_alarms_per_hour']:.2f} false alarms/h {n['false_alarm_scenes'] or ''}, "
            f"announced onset median {n['announced_onset_median_s']:.2f} s, "
            f"p90 {n['announced_onset_p90_s']:.2f} s (all, <= 0.5/h, <= 1.5 s, <= 3 s)"
        )
    held = fig.get("held_out_tuning_night")
    if held:
        lines.append(f"held-out tuning night (training's scan) at the shipped shift "
                     f"{held['shift']}: {held['at_shift']} (<= 1/h)")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--data", type=Path, action="append", default=None)
    parser.add_argument("--nights", type=Path, nargs="*", default=None)
    parser.add_argument("--cache", type=Path, default=ROOT / "out" / "cache")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--record", action="store_true", help="store them in the model's model.json and card"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    model = load_model_dir(args.model).directory
    fig: dict[str, Any] = {
        "model": str(model),
        "clips": clip_figures(model, args.data or DATA, args.cache),
    }
    fig["nights"] = [
        night_figures(model, n)
        for n in (NIGHTS if args.nights is None else args.nights)
        if n.is_file()
    ]
    spec = json.loads((model / "model.json").read_text(encoding="utf-8"))
    detector = spec.get("detector", {})
    held = detector.get("held_out_night")
    if held and "cascade" not in spec:  # the stored scan is the small model's alone
        shift = detector.get("threshold_shift", 0.0)
        at = [s for s in held.get("scan", []) if abs(s["threshold_shift"] - shift) < 1e-6]
        fig["held_out_tuning_night"] = {"shift": shift, "at_shift": at[0] if at else None}
    print(text(fig))
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(fig, indent=1), encoding="utf-8")
    if args.record:
        spec.setdefault("metrics", {})["dev_bench"] = {k: v for k, v in fig.items() if k != "model"}
        rewrite_spec(model, spec)
        print(f"recorded in {model / 'model.json'} and its model card")


if __name__ == "__main__":
    main()
