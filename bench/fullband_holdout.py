"""How the recipe hears full-band cries it has never heard: each half of the dev set's full-band
(ESC-50) cries is scored by a network trained without that half.

    python bench/fullband_holdout.py prepare     # the two datasets, and the commands that train on them
    python bench/fullband_holdout.py score       # after training: both halves, unheard

The dev figure "full-band dev cries" counts 33 clips of which training heard 28, so it cannot say
what a new microphone's cries get. Here each network heard about half of them (split by ESC-50
fold, so one recording never sits on both sides) and is asked about the other half. Printed per
half and together:
- the network alone, at its own threshold;
- YAMNet alone, through the shipped cascade's calibration, at its fused threshold;
- the shipped cascade (its fusion, calibration and fused threshold, as the monitor applies them)
  with the network's scores in place of the committee's, at the shipped gate and at others;
- each with the share of the network's own validation negatives (unheard too) it lets through;
- per half, the highest network score on a window the cascade passes, for the cries that come
  nearest the gate.
The network stands in for the shipped committee: an estimate of the route a new microphone's cry
takes, not the shipped model's figure.
"""

from __future__ import annotations

import argparse
import csv
import functools
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from babblefish_monitor.audio.cascade import Cascade, cascade_for
from babblefish_monitor.audio.model import ModelSpec, load_model_dir
from babblefish_training.dataset import load_clips, scan_datasets

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import make
from cascade_scores import Float64, WindowScores, clip_scores, fused, pooled

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


def shipped_cascade(shipped: ModelSpec, gate: float) -> Cascade:
    """The shipped cascade's arithmetic (fusion and calibration) at another gate."""
    section = shipped.extra["cascade"]
    return make(YAMNET, shipped, gate, section["fusion"], section["threshold"])


def rate(clips: Float64, threshold: float) -> tuple[int, int]:
    return int((clips >= threshold).sum()), int(clips.size)


def score() -> None:
    missing = [OUT / f"net-{half}" for half in HALVES if not (OUT / f"net-{half}").is_dir()]
    if missing:
        sys.exit(f"no network in {', '.join(map(str, missing))}: run `prepare` and the training "
                 "commands it prints first")  # fmt: skip
    shipped = load_model_dir(None)
    fused_threshold = cascade_for(shipped).operating_spec(shipped).threshold
    every_window = shipped_cascade(shipped, 0.0)
    print(f"shipped cascade: gate {shipped.extra['cascade']['gate']}, fused threshold "
          f"{fused_threshold:.4f}")  # fmt: skip
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
        print(f"half {half} (ESC-50 folds {','.join(sorted(folds))}): {len(mine)} unheard "
              f"full-band cries; {len(negatives)} validation negatives; network threshold "
              f"{net.threshold:.4f}")  # fmt: skip

        def second_alone(ws: WindowScores) -> Float64:
            return pooled(ws, every_window.fuse(np.zeros_like(ws.second), ws.second))

        rules: list[tuple[str, Callable[[WindowScores], Float64], float]] = [
            ("network alone", lambda ws: pooled(ws, ws.small), net.threshold),
            ("YAMNet alone", second_alone, fused_threshold),
            *((f"gate {g}", functools.partial(_through, shipped_cascade(shipped, g)),
               fused_threshold) for g in GATES),
        ]  # fmt: skip
        for name, clip_score, threshold in rules:
            counts = (*rate(clip_score(cries), threshold), *rate(clip_score(negs), threshold))
            totals[name] = [a + b for a, b in zip(totals.get(name, [0] * 4), counts, strict=True)]
            print(f"  {name:14s} cries {counts[0]:2d}/{counts[1]}  validation negatives "
                  f"{counts[2]}/{counts[3]}")  # fmt: skip
        # Max and noisy-OR fusion only raise a score: a window the cascade passes when asked
        # passes at any gate up to the network's score on it.
        passing = every_window.fuse(cries.small, cries.second) >= fused_threshold
        nearest = np.sort(pooled(cries, np.where(passing, cries.small, 0.0)))[:5]
        print("  the gate each cry still passes, lowest five:", np.round(nearest, 3).tolist())
    print("both halves:")
    for name, (hits, n, fp, m) in totals.items():
        print(f"  {name:14s} cries {hits:2d}/{n} ({100 * hits / n:.1f} %)  "
              f"validation negatives {fp}/{m} ({100 * fp / m:.1f} %)")  # fmt: skip


def _through(cascade: Cascade, ws: WindowScores) -> Float64:
    return pooled(ws, fused(ws, cascade)[0])


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
