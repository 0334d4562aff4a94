"""How the recipe hears full-band cries it has never heard: each half of the dev set's full-band
(ESC-50) cries is scored by a network trained without that half.

    python bench/fullband_holdout.py prepare     # the two datasets, and the commands that train on them
    python bench/fullband_holdout.py score       # after training: both halves, unheard

The dev figure "full-band dev cries" counts 33 clips of which training heard 28, so it cannot say
what a new microphone's cries get. Here each network heard about half of them (split by ESC-50
fold, so one recording never sits on both sides) and is asked about the other half. Printed per
half and together:
- the network alone, at its own threshold;
- YAMNet alone, at the raw cry score that reaches the shipped cascade's fused threshold;
- the cascade rule of the shipped model (a window counts when the network reaches its threshold,
  or when it reaches the gate and YAMNet reaches that raw score), at the shipped gate and at
  others, with the false-positive share the same rule gives on the network's own validation
  negatives (which it has not heard either).
The network stands in for the shipped committee and its own threshold for the fused one: an
estimate of the route a new microphone's cry takes, not the shipped model's figure.
"""

from __future__ import annotations

import argparse
import csv
import math
import shlex
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.model import ModelSpec, load_model_dir
from babblefish_training.dataset import load_clips, scan_datasets

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_scores import WindowScores, clip_scores

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parents[1] / "shared"
DEV, EXTRA = SHARED / "data" / "dev", SHARED / "data" / "dev_extra"
OUT = ROOT / "out" / "fbout"
YAMNET = SHARED / "models" / "yamnet" / "yamnet.tflite"
# ESC-50 folds held out of each network's training.
HALVES = {"a": frozenset("12"), "b": frozenset("345")}
RECIPE = ("--labels crying,talking,human_nonspeech,animal,white_noise,quiet,other --seed 0 "
          "--epochs 12 --label-smoothing 0.1 --mine-negatives 0.1 --mine-cries 0.4")  # fmt: skip
GATES = (0.05, 0.1, 0.2, 0.3, 0.5)


def is_held_out(row_path: str, half: str) -> bool:
    """A crying ESC-50 clip of one of the half's folds (its file name carries the fold)."""
    folder, name = row_path.split("/", 1)
    return folder == "crying" and name.startswith("esc50-") and name.split("-")[1] in HALVES[half]


def prepare() -> None:
    """Each half's dataset: dev without that half's full-band cries (links, and the manifest)."""
    with (DEV / "manifest.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for half in HALVES:
        root = OUT / half / "dev"
        kept = [r for r in rows if not is_held_out(r["path"], half)]
        for row in kept:
            link = root / row["path"]
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.exists():
                link.symlink_to((DEV / row["path"]).resolve())
        with (root / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(kept)
        print(f"{root}: {len(rows) - len(kept)} full-band cries left out")
        print(f"  .venv/bin/babblefish-train train --data {shlex.quote(str(root))} --data "
              f"{shlex.quote(str(EXTRA))} {RECIPE} --cache-dir {OUT / f'cache-{half}'} "
              f"--out {OUT / f'net-{half}'}")  # fmt: skip


def raw_second_point(shipped: ModelSpec) -> float:
    """YAMNet's raw cry score that the shipped cascade's calibration lifts to its fused threshold."""
    section = shipped.extra["cascade"]

    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    fused = section.get("fused_threshold", shipped.threshold)
    x = logit(fused) - logit(shipped.threshold) + logit(section["threshold"])
    return 1 / (1 + math.exp(-x))


def caught(
    ws: WindowScores, threshold: float | None, gate: float | None, point: float
) -> npt.NDArray[np.bool_]:
    """Per clip: some window reaches the network's threshold (None: never counts), or the gate
    (None: YAMNet never asked) with YAMNet at `point`."""
    hit = np.zeros(ws.small.shape, dtype=bool)
    if threshold is not None:
        hit |= ws.small >= threshold
    if gate is not None:
        hit |= (ws.small >= gate) & (ws.second >= point)
    return np.array([hit[clip].any() for clip in _clips(ws)])


def _clips(ws: WindowScores) -> list[slice]:
    ends = np.cumsum(ws.counts)
    return [slice(int(e - n), int(e)) for e, n in zip(ends, ws.counts, strict=True)]


def gate_margin(ws: WindowScores, point: float) -> list[float]:
    """Per clip, sorted: the network's highest score on a window YAMNet hears at `point` (0: none),
    the gate up to which the cascade still catches it."""
    return sorted(float(np.max(ws.small[c][ws.second[c] >= point], initial=0.0))
                  for c in _clips(ws))  # fmt: skip


def score() -> None:
    missing = [OUT / f"net-{half}" for half in HALVES if not (OUT / f"net-{half}").is_dir()]
    if missing:
        sys.exit(f"no network in {', '.join(map(str, missing))}: run `prepare` and the training "
                 "commands it prints first")  # fmt: skip
    shipped = load_model_dir(None)
    point = raw_second_point(shipped)
    gate = float(shipped.extra["cascade"]["gate"])
    print(f"shipped cascade: gate {gate}, YAMNet counts from a raw cry score of {point:.4f}")
    refs = scan_datasets([DEV, EXTRA])
    cache = ROOT / "out" / "cache" / "cascade"
    totals: dict[str, list[int]] = {}
    for half, folds in HALVES.items():
        net = load_model_dir(OUT / f"net-{half}")
        groups = set(net.extra["training"]["validation_groups"])
        folders = net.extra["training"]["folders"]
        mine = [r for r in refs if is_held_out(f"{r.folder}/{r.path.name}", half)]
        negatives = [r for r in refs if r.group_id in groups and folders.get(r.folder, r.folder)
                     != net.cry_label]  # fmt: skip
        cries = clip_scores(f"fullband-{half}", [c.audio for c in load_clips(
            (r, "crying") for r in mine)[0]], net, YAMNET, cache)  # fmt: skip
        negs = clip_scores(f"fullband-neg-{half}", [c.audio for c in load_clips(
            (r, "other") for r in negatives)[0]], net, YAMNET, cache)  # fmt: skip
        n, m = len(mine), len(negatives)
        print(f"half {half} (ESC-50 folds {','.join(sorted(folds))}): {n} unheard "
              f"full-band cries; {m} validation negatives; network threshold {net.threshold:.4f}")  # fmt: skip
        rows: list[tuple[str, float | None, float | None]] = [
            ("network alone", net.threshold, None), ("YAMNet alone", None, 0.0),
            *((f"gate {g}", net.threshold, g) for g in GATES)]  # fmt: skip
        for name, threshold, g in rows:
            hits = int(caught(cries, threshold, g, point).sum())
            fp = int(caught(negs, threshold, g, point).sum())
            totals.setdefault(name, [0, 0, 0, 0])
            for i, v in enumerate((hits, n, fp, m)):
                totals[name][i] += v
            print(f"  {name:14s} cries {hits:2d}/{n}  validation negatives {fp}/{m}")
        print("  the gate each cry still passes, lowest five:",
              [round(v, 3) for v in gate_margin(cries, point)[:5]])  # fmt: skip
    print("both halves:")
    for name, (hits, n, fp, m) in totals.items():
        print(f"  {name:14s} cries {hits:2d}/{n} ({100 * hits / n:.1f} %)  "
              f"validation negatives {fp}/{m} ({100 * fp / m:.1f} %)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("step", choices=("prepare", "score"))
    args = parser.parse_args()
    if not (DEV / "manifest.csv").is_file():
        sys.exit(f"{DEV / 'manifest.csv'} is missing: this bench needs the shared dev data")
    if args.step == "prepare":
        prepare()
    else:
        score()


if __name__ == "__main__":
    main()
