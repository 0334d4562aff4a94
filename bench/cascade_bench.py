"""Chooses a cascade's gate and fusion on tuning data, then reports it on the dev benches.

    python bench/cascade_bench.py [--model DIR] [--second ../shared/models/yamnet/yamnet.tflite]
        [--gate G --fusion F --second-threshold T --fused-threshold T --shift S] [--json OUT]
        [--also DIR ... [--committee-gate G]]

Tuning data (what chooses): the validation clips the model's threshold was set on, and the
held-out tuning night training builds from them (rebuilt here as bench/out/tuning-night.flac).
Reported, not chosen on: every full-band dev cry, the channel swap, nights A/B/C. Per window both
models are scored once (`cascade_scores.py`); each gate/fusion is then replayed offline through
the monitor's detector. Also printed: the fraction of windows that ask the second model.
With `--also`, those other small models form a committee with the first, as the monitor's
committee scores it (replayed offline from each one's cached scores): on every window where the
first model's cry score reaches `--committee-gate` (default 0: every window), every label's
probability is the members' consensus. The committee's own threshold (<= 1 % validation false
positives) stands in for the small model's. Also printed: the fraction of windows that ask the
other members.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from babblefish_monitor.audio.cascade import Cascade, OpinionStatus
from babblefish_monitor.audio.committee import SECTION
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_monitor.audio.second_opinion import SecondOpinion
from babblefish_training.dataset import load_clips, scan_datasets
from babblefish_training.devmetrics import PHONE_SOURCES, format_rate, rate_entry
from babblefish_training.metrics import roc_auc, threshold_for_fpr
from babblefish_training.modeldir import rewrite_spec
from babblefish_training.night import RATE
from babblefish_training.operating_point import Scores, trial
from babblefish_training.tuning import NightPlan, held_out_night

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_scores import (
    FloatArray,
    WindowScores,
    clip_scores,
    committee,
    fused,
    night_scores,
    pooled,
    swap_audio,
    yamnet_spec,
)

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parents[1] / "shared"
DATA = [SHARED / "data" / "dev", SHARED / "data" / "dev_extra"]
GATES = (0.01, 0.03, 0.1, 0.2, 0.3, 0.5)
FUSIONS = ("max", "noisy_or", "mean")
# The second model's score that counts as the small model's threshold (its calibration): a few
# fixed points, and the one at which it alone allows 1 % validation false positives.
SECOND_THRESHOLDS = (0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1)
# The detector's onset, in log-odds below the fused threshold: a higher fused threshold with a
# larger shift can keep the false alarms it removed and win back the onset time it cost.
SHIFTS = (0.75, 1.0, 1.25, 1.5, 2.0, 2.5)
# Printed beside every candidate so the trade-off is visible; never used to choose.
REPORTED_CLIP_FIGURES = ("full_band_all_dev", "phone_negatives_fpr", "reverberant_cries_recall")
# Announced-onset latency the nights should keep at their 90th percentile.
ONSET_P90_TARGET_S = 3.0


def tuning_night(spec: Any, clips: list[Any], out: Path) -> Path:
    """training's held-out night (validation clips only, seed 0), written once as FLAC + truth."""
    if not out.is_file():
        night = held_out_night(clips, NightPlan(spec.cry_label, "white_noise", "quiet", 6.0, 0))
        assert night is not None
        sf.write(out, night.audio, RATE, subtype="PCM_16")
        out.with_suffix(".truth.json").write_text(json.dumps(night.truth()), encoding="utf-8")
    return out


def night_trial(
    ws: WindowScores, cascade: Cascade | None, spec: Any, night: Path, shift: float | None = None
) -> dict[str, Any]:
    """The detector on one night; `shift`: its onset's log-odds below the threshold (None: the
    model's own)."""
    truth = json.loads(night.with_suffix(".truth.json").read_text(encoding="utf-8"))
    scores, asked = fused(ws, cascade)
    m = functools.partial(trial, Scores(ws.times, scores, ws.audio_seconds), spec, truth,
                          DEFAULT_HOP_SECONDS)(DetectorConfig(threshold_shift=shift))  # fmt: skip
    return {"night": night.name, "episodes": m.truth, "found": round(m.recall * m.truth),
            "false_alarms_per_hour": round(m.false_alarms_per_hour, 3),
            "false_alarm_scenes": m.false_alarm_scenes,
            "announced_onset_median_s": round(m.latency_median, 3),
            "announced_onset_p90_s": round(m.latency_p90, 3),
            "cry_minutes_error_pct": round(m.minutes_error_pct, 2),
            "asked_fraction": round(asked, 4)}  # fmt: skip


def make(second: Path, spec: Any, gate: float, fusion: str, threshold: float) -> Cascade:
    base = yamnet_spec(second, spec.threshold)
    cs = replace(base, gate=gate, fusion=fusion, threshold=threshold)  # type: ignore[arg-type]
    opinion = SecondOpinion.__new__(SecondOpinion)
    opinion.spec = cs  # fusion arithmetic only: the scores are already collected
    return Cascade(opinion, OpinionStatus("on"))


def passes_tuning(row: dict[str, Any]) -> bool:
    """The rule's bar, on tuning data only: validation clip FPR <= 1 % and every tuning-night
    episode found with <= 1 false alarm an hour."""
    night = row["tuning_night"]
    return bool(row["validation_fpr"] <= 0.01 and night["found"] == night["episodes"]
                and night["false_alarms_per_hour"] <= 1.0)  # fmt: skip


def rank(row: dict[str, Any]) -> tuple[float, ...]:
    """Among those that pass: the most validation cries, the announced-onset p90 target met, the
    fewest false alarms, the earliest median onset, the fewest windows asked and the smallest
    shift, in that order. The p90 counts only as met or missed: a tenth of a second nearer a
    missed target is not worth a false alarm."""
    night = row["tuning_night"]
    late = night["announced_onset_p90_s"] > ONSET_P90_TARGET_S
    return (-row["validation_recall"], late, night["false_alarms_per_hour"],
            night["announced_onset_median_s"], night["asked_fraction"], row["shift"])  # fmt: skip


def choose(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The candidate that passes the bar and ranks first (None: none passes)."""
    return min((r for r in rows if passes_tuning(r)), key=rank, default=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--second", type=Path, default=SHARED / "models/yamnet/yamnet.tflite")
    parser.add_argument("--gate", type=float, default=None)
    parser.add_argument("--fusion", default=None)
    parser.add_argument("--second-threshold", type=float, default=None)
    parser.add_argument("--fused-threshold", type=float, default=None,
                        help="the cascade's clip threshold (default: the small model's)")  # fmt: skip
    parser.add_argument("--shift", type=float, default=None,
                        help="the detector's onset shift (default: the model's own)")  # fmt: skip
    parser.add_argument("--also", type=Path, action="append", default=[], metavar="DIR",
                        help="another single network of the same recipe, joined with the "
                        "first as a committee (offline); repeatable")  # fmt: skip
    parser.add_argument("--committee-gate", type=float, default=0.0,
                        help="ask the --also models only where the first model's cry score "
                        "reaches this")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--record", action="store_true",
                        help="store the choice in the model's model.json (cascade and detector "
                        "shift) and card")  # fmt: skip
    args = parser.parse_args()
    spec = load_model_dir(args.model)
    cache = ROOT / "out" / "cache" / "cascade"
    groups = set(spec.extra["training"]["validation_groups"])
    folders = spec.extra["training"]["folders"]
    refs = scan_datasets(DATA)
    clips, _ = load_clips((r, folders.get(r.folder, r.folder)) for r in refs)
    positive = np.array([c.label == spec.cry_label for c in clips])
    val = np.array([c.ref.group_id in groups for c in clips])
    phone = np.array([c.ref.source in PHONE_SOURCES for c in clips])
    members = [spec, *(load_model_dir(d) for d in args.also)]
    if args.also and any(SECTION in m.extra for m in members):
        sys.exit("--also builds a committee from single networks: give --model and every --also "
                 "a folder without a committee section (the seed folders, not the default)")  # fmt: skip

    # The second model's scores are the same for every member: only the first's are collected.
    seconds = [args.second] + [None] * len(args.also)

    def scores(name: str, audios: list[FloatArray]) -> WindowScores:
        return committee([clip_scores(name, audios, m, s, cache)
                          for m, s in zip(members, seconds, strict=True)],
                         spec.cry_index, args.committee_gate)  # fmt: skip

    allc = scores("clips", [c.audio for c in clips])
    val_neg = [c.audio for c, v, p in zip(clips, val, positive, strict=True) if v and not p]
    val_cry = [c.audio for c, v, p in zip(clips, val, positive, strict=True) if v and p]
    phoned_audio, roomed_audio = swap_audio(val_neg, val_cry, ROOT / "out" / "cache")
    phoned, roomed = scores("phoned", phoned_audio), scores("rooms", roomed_audio)
    tune_path = tuning_night(spec, [c for c, v in zip(clips, val, strict=True) if v],
                             ROOT / "out" / "tuning-night.flac")  # fmt: skip
    paths = [p for p in [tune_path] + [ROOT / "out" / f"night-{s}.flac" for s in "ABC"]
             if p.is_file()]  # fmt: skip
    each = {p: [night_scores(p, m, s, DEFAULT_HOP_SECONDS, cache)
                for m, s in zip(members, seconds, strict=True)] for p in paths}  # fmt: skip
    nights = {p: committee(ws, spec.cry_index, args.committee_gate) for p, ws in each.items()}
    second_clip = pooled(allc, allc.second)
    t = spec.threshold
    at_1pct = threshold_for_fpr(second_clip[val], positive[val], 0.01)
    thresholds = sorted({*SECOND_THRESHOLDS, round(float(at_1pct), 4)})
    print(f"second model alone: {at_1pct:.4f} allows 1 % validation false positives")

    def refit(cascade: Cascade | None) -> float:
        """The fused score's own clip threshold: <= 1 % validation false positives, as training
        chooses the small model's."""
        c = pooled(allc, fused(allc, cascade)[0])
        return float(threshold_for_fpr(c[val], positive[val], 0.01))

    if args.also:
        t = refit(None)
        # The committee is the small model now: its threshold is what the second model's
        # calibration is relative to, as in the monitor.
        spec = replace(spec, threshold=t)
        print("committee: threshold", round(t, 4), "members asked on",
              {p.name: round(ws.committee_asked, 3) for p, ws in nights.items()})  # fmt: skip
        # What the committee gate costs: windows it leaves to the first network alone although
        # every member together would have scored them cry-like.
        missed = {p.name: int(np.sum((committee(ws, spec.cry_index, 0.0).small >= 0.3)
                                     & (ws[0].small < args.committee_gate)))
                  for p, ws in each.items()}  # fmt: skip
        print("windows below the committee gate whose full consensus reaches 0.3:", missed)

    def clip_figs(cascade: Cascade | None, t: float) -> dict[str, Any]:
        c = pooled(allc, fused(allc, cascade)[0])
        full = positive & ~phone
        return {
            "threshold": t,
            "validation_auc": roc_auc(c[val], positive[val]),
            "validation_fpr": rate_entry(c[val & ~positive] >= t),
            "validation_recall": rate_entry(c[val & positive] >= t),
            "phone_validation_cries": rate_entry(c[val & positive & phone] >= t),
            "phone_cries_all_dev": rate_entry(c[positive & phone] >= t),
            "full_band_all_dev": rate_entry(c[full] >= t),
            "full_band_auc": roc_auc(c[full | ~positive], positive[full | ~positive]),
            "phone_negatives_fpr": rate_entry(pooled(phoned, fused(phoned, cascade)[0]) >= t),
            "reverberant_cries_recall": rate_entry(pooled(roomed, fused(roomed, cascade)[0]) >= t),
            "clip_windows_asked": round(fused(allc, cascade)[1], 4),
        }

    rows = []
    print(
        "tuning data: gate fusion second_threshold fused_threshold shift | val FPR, val recall,"
        " AUC | tuning night found/episodes FA/h onset median/p90 asked | reported only: "
        + " ".join(REPORTED_CLIP_FIGURES)
    )
    base_tune = night_trial(nights[tune_path], None, spec, tune_path)
    print("small alone", clip_figs(None, t)["validation_fpr"]["rate"], base_tune)
    for gate, fusion, thr, own in itertools.product(GATES, FUSIONS, thresholds, (False, True)):
        cas = make(args.second, spec, gate, fusion, thr)
        fused_t = refit(cas) if own else t
        cf = clip_figs(cas, fused_t)
        for shift in SHIFTS:
            tn = night_trial(nights[tune_path], cas, replace(spec, threshold=fused_t), tune_path,
                             shift)  # fmt: skip
            rows.append({"gate": gate, "fusion": fusion, "second_threshold": thr,
                         "fused_threshold": fused_t, "shift": shift,
                         "validation_fpr": cf["validation_fpr"]["rate"],
                         "validation_recall": cf["validation_recall"]["rate"],
                         "validation_auc": round(cf["validation_auc"], 4),
                         "tuning_night": tn,
                         "reported_only": {k: cf[k]["rate"] for k in REPORTED_CLIP_FIGURES}})  # fmt: skip
            print(gate, fusion, round(thr, 4), round(fused_t, 4), shift, "|",
                  cf["validation_fpr"]["rate"], cf["validation_recall"]["rate"],
                  round(cf["validation_auc"], 4), "|", tn["found"], tn["episodes"],
                  tn["false_alarms_per_hour"], tn["announced_onset_median_s"],
                  tn["announced_onset_p90_s"], tn["asked_fraction"], "| reported:",
                  *(cf[k]["rate"] for k in REPORTED_CLIP_FIGURES))  # fmt: skip
    best = choose(rows)
    print("chosen on tuning data:", best)
    report: dict[str, Any] = {"second_alone_1pct": at_1pct, "sweep": rows, "chosen": best}
    chosen: list[tuple[str, Cascade | None, float, float | None]] = [
        ("small model alone", None, t, None)
    ]
    if args.gate is None and best is not None:
        args.gate, args.fusion = best["gate"], best["fusion"]
        args.second_threshold = best["second_threshold"]
        args.fused_threshold = best["fused_threshold"]
        args.shift = best["shift"]
    if args.gate is not None:
        thr = args.second_threshold if args.second_threshold is not None else at_1pct
        ft = args.fused_threshold if args.fused_threshold is not None else t
        chosen.append((f"cascade gate {args.gate} {args.fusion} second threshold {thr:.4f} "
                       f"fused threshold {ft:.4f} shift {args.shift}",
                       make(args.second, spec, args.gate, args.fusion or "max", thr), ft,
                       args.shift))  # fmt: skip
    for name, candidate, clip_threshold, onset_shift in chosen:
        figs = clip_figs(candidate, clip_threshold)
        ns = [night_trial(ws, candidate, replace(spec, threshold=clip_threshold), p, onset_shift)
              for p, ws in nights.items()]  # fmt: skip
        report[name] = {"clips": figs, "nights": ns}
        print(f"== {name}")
        for k, v in figs.items():
            print(f"  {k}: {format_rate(v) if isinstance(v, dict) else v}")
        for n in ns:
            print(f"  {n}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")
    if args.record:
        if best is None or args.also:
            sys.exit("--record needs a choice for the model directory itself (no --also)")
        record(spec.directory, best)


def record(directory: Path, best: dict[str, Any]) -> None:
    """Store the chosen gate, fusion, calibration, fused threshold and onset shift."""
    data = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    how = ("the validation clips behind the small model's threshold and training's held-out "
           "6-h tuning night (bench/cascade_bench.py)")  # fmt: skip
    data["cascade"].update({"gate": best["gate"], "fusion": best["fusion"],
                            "threshold": best["second_threshold"],
                            "fused_threshold": best["fused_threshold"], "chosen_on": how})  # fmt: skip
    detector = data.setdefault("detector", {})
    detector.update({"threshold_shift": best["shift"], "tuned_on": how,
                     "tuned_with": "bench/cascade_bench.py --record"})  # fmt: skip
    rewrite_spec(directory, data)
    print(f"recorded in {directory / 'model.json'} and its model card")


if __name__ == "__main__":
    main()
