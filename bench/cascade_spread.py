"""The cascade recipe's spread over small networks: one `cascade_bench.py --json` report per seed.

    python bench/cascade_spread.py bench/out/cascade-init0.json bench/out/cascade-init1.json ...

Each report holds the settings its sweep chose on tuning data and the figures of the small
network alone and of the chosen cascade. This prints one row per report and, per figure, the
mean, the lowest and the highest, so the worst seed is read off rather than the best.

Then, per report, how many of its sweep's candidates pass the tuning rule, how many of those
also meet each channel-swap target (which the rule does not choose on) and both, and the best
of each group by the rule's own ranking.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cascade_bench import passes_tuning, rank

CLIP_FIGURES = (
    ("validation_recall", "val cries"),
    ("phone_validation_cries", "phone val cries"),
    ("full_band_all_dev", "full-band cries"),
    ("phone_negatives_fpr", "phone-line neg FPR"),
    ("reverberant_cries_recall", "room cries 2-3 m"),
)
# The channel-swap targets: a candidate meets one when its figure is on the right side of it.
SWAP_TARGETS: dict[str, Callable[[dict[str, float]], bool]] = {
    "phone-line negatives <= 1.5 %": lambda r: r["phone_negatives_fpr"] <= 0.015,
    "room cries >= 88 %": lambda r: r["reverberant_cries_recall"] >= 0.88,
}
NIGHT_FIGURES = (
    ("false_alarms_per_hour", "FA/h"),
    ("announced_onset_median_s", "onset median s"),
    ("announced_onset_p90_s", "onset p90 s"),
)


def _rate(value: Any) -> float:
    return float(value["rate"] if isinstance(value, dict) else value)


def rows(report: dict[str, Any], which: str) -> dict[str, float]:
    """One report's figures: `which` is "small" (the network alone) or "cascade" (as chosen)."""
    name = next(k for k in report if (k == "small model alone") == (which == "small")
                and (k == "small model alone" or k.startswith("cascade ")))  # fmt: skip
    part = report[name]
    out = {label: _rate(part["clips"][key]) for key, label in CLIP_FIGURES}
    out["validation AUC"] = float(part["clips"]["validation_auc"])
    for night in part["nights"]:
        stem = night["night"].removesuffix(".flac")
        out[f"{stem} found"] = night["found"] / night["episodes"]
        for key, label in NIGHT_FIGURES:
            out[f"{stem} {label}"] = float(night[key])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("reports", type=Path, nargs="+")
    args = parser.parse_args()
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in args.reports]
    for path, report in zip(args.reports, reports, strict=True):
        chosen = report["chosen"]
        print(f"{path.name}: chose gate {chosen['gate']} {chosen['fusion']}, second threshold "
              f"{chosen['second_threshold']}, fused threshold {chosen['fused_threshold']:.4f}, "
              f"shift {chosen['shift']}")  # fmt: skip
    for which in ("small", "cascade"):
        table = [rows(r, which) for r in reports]
        print(f"\n== {which}: " + " | ".join(p.stem for p in args.reports) + " | mean, min, max")
        for figure in table[0]:
            values = [t[figure] for t in table]
            cells = " | ".join(f"{v:.3f}" for v in values)
            print(f"{figure}: {cells} | {statistics.mean(values):.3f}, {min(values):.3f}, "
                  f"{max(values):.3f}")  # fmt: skip
    print("\n== candidates against the channel-swap targets")
    for path, report in zip(args.reports, reports, strict=True):
        print(path.name)
        print("\n".join(swap_lines(report)))


def swap_lines(report: dict[str, Any]) -> list[str]:
    """How many swept candidates pass the rule and meet the swap targets, and the best of each."""
    passing = [r for r in report["sweep"] if passes_tuning(r)]
    groups = {name: [r for r in passing if meets(r["reported_only"])]
              for name, meets in SWAP_TARGETS.items()}  # fmt: skip
    groups["both"] = [r for r in passing
                      if all(m(r["reported_only"]) for m in SWAP_TARGETS.values())]  # fmt: skip
    lines = [f"  {len(passing)} of {len(report['sweep'])} candidates pass the tuning rule"]
    for name, group in groups.items():
        best = min(group, key=rank, default=None)
        detail = "" if best is None else (
            f"; best: gate {best['gate']} {best['fusion']}, second threshold "
            f"{best['second_threshold']}, fused {best['fused_threshold']:.4f}, shift "
            f"{best['shift']}: validation cries {best['validation_recall']:.3f}, tuning night "
            f"{best['tuning_night']['false_alarms_per_hour']} FA/h")  # fmt: skip
        lines.append(f"  {name}: {len(group)}{detail}")
    return lines


if __name__ == "__main__":
    main()
