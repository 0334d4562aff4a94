"""ds_cnn vs seed_conv on ../shared/data: wall time, size, cost, int8 agreement, group-wise validation.

    python bench/train_bench.py [--data DIR ...] [--epochs 12] [--seed-epochs 4] [--seed-windows 2000]
    python bench/train_bench.py --reuse addon/monitor/src/babblefish_monitor/models/default

Both architectures train with `babblefish-train`'s own pipeline on the same data, labels, split
(seed) and augmentation; the figures come from the exported int8 models run through the
monitor's Classifier. seed_conv costs ~55x more per window, so by default it gets about the
same wall-clock budget as ds_cnn (fewer windows and epochs); the table says how much each saw.
--reuse reports an already trained model directory (its model.json) instead of retraining it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from babblefish_training.options import TrainOptions
from babblefish_training.training_run import train

REPO = Path(__file__).resolve().parent.parent
LABELS = ["crying", "talking", "human_nonspeech", "animal", "white_noise", "quiet", "other"]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _row(spec: dict[str, Any], wall: float) -> dict[str, str]:
    val = spec["metrics"]["validation"]
    esc = val["by_source"].get("esc50", {})
    dac = val["by_source"].get("dac", {})
    training = spec["training"]
    return {
        "training wall time": f"{wall:.0f} s (fit {training['fit_seconds']:.0f} s)",
        "windows x epochs": f"{training['augmented_windows']} x {training['epochs']}",
        "parameters": f"{spec['params']:,}",
        "multiply-adds per second of audio": f"{spec['multiply_adds_per_window'] / 1e6:.1f} M",
        "model bytes (int8 .tflite)": f"{spec['model_bytes']:,}",
        "int8 vs float argmax agreement": _pct(spec["metrics"]["int8_float_argmax_agreement"]),
        "cry AUC (clips)": f"{val['auc']:.4f}",
        "threshold (FPR <= 1 %)": f"{val['threshold']:.4g}",
        "cry recall / FPR at threshold": f"{_pct(val['cry_recall'])} / {_pct(val['cry_fpr'])}",
        "phone cries (dac): recall, AUC": f"{_pct(dac.get('cry_recall'))}, "
        f"{dac.get('cry_auc_vs_all_negatives') or float('nan'):.4f}",
        "full-band cries (esc50): recall, AUC": f"{_pct(esc.get('cry_recall'))}, "
        f"{esc.get('cry_auc_vs_all_negatives') or float('nan'):.4f}",
        "validation clips (crying / other)": f"{val['cry_clips']} / {val['other_clips']}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = [
        REPO.parent / "shared" / "data" / "dev",
        REPO.parent / "shared" / "data" / "dev_extra",
    ]
    parser.add_argument("--data", type=Path, action="append", default=None)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "train")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--windows", type=int, default=3000, help="ds_cnn windows per label")
    parser.add_argument("--seed-epochs", type=int, default=4)
    parser.add_argument(
        "--seed-windows", type=int, default=2000, help="seed_conv windows per label"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("ds_cnn", "seed_conv"), default=None)
    parser.add_argument(
        "--reuse", type=Path, action="append", default=[], metavar="MODEL_DIR",
        help="report an already trained model directory (e.g. the shipped default) instead of training its arch",
    )  # fmt: skip
    args = parser.parse_args()
    data = args.data or default_data
    if not all(d.is_dir() for d in data):
        print(f"data not found: {', '.join(map(str, data))}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    runs = {
        "ds_cnn": (args.epochs, args.windows),
        "seed_conv": (args.seed_epochs, args.seed_windows),
    }
    rows: dict[str, dict[str, str]] = {}
    for directory in args.reuse:
        spec = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        rows[spec["arch"]] = _row(spec, spec["training"]["wall_seconds"])
    for arch, (epochs, windows) in runs.items():
        if (args.only and arch != args.only) or arch in rows:
            continue
        started = time.monotonic()
        spec = train(TrainOptions(
            data=data, out=args.out / arch, labels=LABELS, other_label="other", arch=arch,
            epochs=epochs, windows_per_label=windows, seed=args.seed,
            command=f"bench/train_bench.py ({arch})", force=True,  # a rerun replaces its own output
        ))  # fmt: skip
        rows[arch] = _row(spec, time.monotonic() - started)
    names = [n for n in runs if n in rows]
    width = max(len(k) for k in next(iter(rows.values())))
    print("\n" + " " * (width + 2) + "".join(f"{n:>28}" for n in names))
    for key in rows[names[0]]:
        print(f"{key:<{width}}  " + "".join(f"{rows[n][key]:>28}" for n in names))
    print("\n2-core shared machine: wall times vary 2-3x with other jobs' load.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
