"""Run-to-run spread of one training recipe: train it N times, print every run and the spread.

    python bench/spread_bench.py --runs 3 -- --label-smoothing 0.1 \
        --mine-negatives 0.1 --mine-cries 0.4                            # the default model's recipe
    python bench/spread_bench.py --runs 3 --night bench/out/night-B.flac -- --weight-averaging

Each run is a separate `babblefish-train train` process on ../shared/data (dev + dev_extra) with
the default model's labels and seed (so the same split and augmented pool) plus the arguments
after `--`; run k uses `--init-seed k`, so only weight initialisation and batch order differ.
With --night, each model is also replayed through the monitor's detector on that night, at the
operating point its training tuned on its own held-out night (the `shift` column).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_training.operating_point import trial

sys.path.insert(0, str(Path(__file__).resolve().parent))
from night_bench import score_file

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
LABELS = "crying,talking,human_nonspeech,animal,white_noise,quiet,other"


def _figures(model_dir: Path, nights: list[Path]) -> dict[str, float]:
    spec = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    val = spec["metrics"]["validation"]
    row = {
        "AUC": val["auc"],
        "recall @ <=1 % FPR": 100 * val["cry_recall"],
        "int8/float agreement": 100 * spec["metrics"]["int8_float_argmax_agreement"],
        "wall s": spec["training"]["wall_seconds"],
    }
    if "detector" in spec:
        row["shift"] = spec["detector"]["threshold_shift"]
    model = load_model_dir(model_dir)
    for night in nights:
        truth = json.loads(night.with_suffix(".truth.json").read_text(encoding="utf-8"))
        scores = score_file(night, model, DEFAULT_HOP_SECONDS)
        metrics = trial(scores, model, truth, DEFAULT_HOP_SECONDS, DetectorConfig())
        row[f"{night.stem} FA/h"] = metrics.false_alarms_per_hour
        row[f"{night.stem} onset s"] = metrics.latency_median
        row[f"{night.stem} recall"] = 100 * metrics.recall
    return row


def _print(rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    print("run  " + "".join(f"{k:>22}" for k in keys))
    for i, row in enumerate(rows, 1):
        print(f"{i:<5}" + "".join(f"{row[k]:>22.4g}" for k in keys))
    if len(rows) > 1:
        for name, stat in (("mean", statistics.mean), ("sd", statistics.stdev)):
            print(f"{name:<5}" + "".join(f"{stat([r[k] for r in rows]):>22.4g}" for k in keys))
        print("min  " + "".join(f"{min(r[k] for r in rows):>22.4g}" for k in keys))
        print("max  " + "".join(f"{max(r[k] for r in rows):>22.4g}" for k in keys))


def main() -> int:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "spread")
    parser.add_argument("--night", type=Path, action="append", default=[])
    args = parser.parse_args(own)
    if not (DATA / "dev").is_dir():
        print(f"data not found: {DATA}", file=sys.stderr)
        return 2
    rows = []
    for run in range(1, args.runs + 1):
        out = args.out / f"run-{run}"  # --force below: a rerun replaces its own runs
        command = ["train", "--data", str(DATA / "dev"), "--data", str(DATA / "dev_extra"),
                   "--labels", LABELS, "--seed", "0", "--init-seed", str(run), "--out", str(out),
                   "--force", *extra]  # fmt: skip
        trained = subprocess.run(
            [sys.executable, "-m", "babblefish_training", *command], check=False
        )
        if trained.returncode:
            return 1
        rows.append(_figures(out, args.night))
        print(f"run {run}/{args.runs}: " + ", ".join(f"{k} {v:.4g}" for k, v in rows[-1].items()))
    print(f"\nrecipe: babblefish-train train ... {' '.join(extra)}")
    _print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
