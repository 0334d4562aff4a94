"""Per-clip cry scores of a model: which cries it misses, and how close they come.

    python bench/clip_scores.py --model DIR --split validation   # the cries missed at its threshold
    python bench/clip_scores.py --model DIR --split train        # how well it fits its own cries

`evaluate` gives the totals; this names the crying clips below the model's threshold with their
score and levels, and says what share of cries falls below a threshold chosen on these
same clips (<= 1 % false positives), so a training split shows how many cries the network has not
learnt to rank above its hardest negatives.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from babblefish_monitor.audio.model import load_model_dir
from babblefish_training.evaluate import SPLITS, score_dataset
from babblefish_training.levels import rms_dbfs
from babblefish_training.metrics import threshold_for_fpr

DATA = [Path("../shared/data/dev"), Path("../shared/data/dev_extra")]
CRY_FOLDER = "crying"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--data", type=Path, action="append", default=None)
    parser.add_argument("--split", choices=SPLITS, default="validation")
    parser.add_argument("--max-fpr", type=float, default=0.01)
    args = parser.parse_args()
    spec = load_model_dir(args.model)
    clips, scores, _ = score_dataset(spec, args.data or DATA, args.split)
    positive = np.array([c.ref.folder == CRY_FOLDER for c in clips])
    cry, negatives = scores.cry[positive], np.sort(scores.cry[~positive])[::-1]
    print(f"{spec.name} {spec.version}, {args.split} split: {positive.sum()} cries, "
          f"{(~positive).sum()} other clips; highest other scores {np.round(negatives[:5], 3)}")  # fmt: skip
    if positive.any() and (~positive).any():
        own = threshold_for_fpr(scores.cry, positive, args.max_fpr)
        print(f"threshold chosen on these clips (<= {100 * args.max_fpr:g} % FPR): {own:.4f}; "
              f"cries below it: {100 * float((cry < own).mean()):.1f} %")  # fmt: skip
    missed = [(s, c) for s, c in zip(scores.cry, clips, strict=True)
              if c.ref.folder == CRY_FOLDER and s < spec.threshold]  # fmt: skip
    print(f"cries below the model's threshold {spec.threshold:.4f}: {len(missed)}")
    for score, clip in sorted(missed, key=lambda item: item[0]):
        peak = 20 * np.log10(float(np.abs(clip.audio).max()) + 1e-12)
        print(f"  {score:.3f}  RMS {rms_dbfs(clip.audio):6.1f} dBFS  peak {peak:6.1f} dBFS  "
              f"{clip.ref.path.name}")  # fmt: skip


if __name__ == "__main__":
    main()
