"""How the YAMNet teacher itself does on the dev clips: is it worth distilling from?

    python bench/teacher_bench.py [--teacher ../shared/models/yamnet/yamnet.tflite] [--model DIR]

A clip's score is its highest cry-class score (classes 19-21) over 0.975-s windows every 0.48 s.
Printed for the model's validation groups (default: the shipped model's) and for every dev cry that
is not a phone recording: AUC, and recall at the threshold that allows <= 1 % validation false
positives. Scores are cached under bench/out/cache/teacher.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.model import load_model_dir
from babblefish_training.dataset import load_clips, scan_datasets
from babblefish_training.devmetrics import PHONE_SOURCES, format_rate, rate_entry
from babblefish_training.metrics import roc_auc, threshold_for_fpr
from babblefish_training.teacher import TEACHER_SAMPLES, Teacher

ROOT = Path(__file__).resolve().parent
SHARED = ROOT.parents[1] / "shared"
HOP = 7_680  # 0.48 s, YAMNet's own patch hop


def clip_windows(audio: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The teacher's 0.975-s windows over a clip, every 0.48 s (a short clip is zero-padded)."""
    if audio.size < TEACHER_SAMPLES:
        audio = np.pad(audio, (0, TEACHER_SAMPLES - audio.size))
    starts = range(0, audio.size - TEACHER_SAMPLES + 1, HOP)
    windows: npt.NDArray[np.float32] = np.stack(
        [audio[s : s + TEACHER_SAMPLES] for s in starts]
    ).astype(np.float32)
    return windows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teacher", type=Path, default=SHARED / "models/yamnet/yamnet.tflite")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    spec = load_model_dir(args.model)
    groups = set(spec.extra["training"]["validation_groups"])
    teacher = Teacher(args.teacher, ROOT / "out" / "cache" / "teacher")
    refs = scan_datasets([SHARED / "data/dev", SHARED / "data/dev_extra"])
    clips, _ = load_clips((r, r.folder) for r in refs)
    cry = np.array([float(teacher.score(clip_windows(c.audio)).cry.max()) for c in clips])
    positive = np.array([c.ref.folder == "crying" for c in clips])
    val = np.array([c.ref.group_id in groups for c in clips])
    phone = np.array([c.ref.source in PHONE_SOURCES for c in clips])
    threshold = threshold_for_fpr(cry[val], positive[val], 0.01)
    print(f"YAMNet ({args.teacher.name}), threshold {threshold:.4f} (<= 1 % validation FPR)")
    print(f"validation AUC {roc_auc(cry[val], positive[val]):.4f}; "
          f"FPR {format_rate(rate_entry(cry[val & ~positive] >= threshold))}")  # fmt: skip
    print(
        f"validation phone cries {format_rate(rate_entry(cry[val & positive & phone] >= threshold))}"
    )
    full = positive & ~phone
    print(f"full-band dev cries (all) {format_rate(rate_entry(cry[full] >= threshold))}; AUC vs "
          f"validation negatives {roc_auc(cry[full | (val & ~positive)], positive[full | (val & ~positive)]):.4f}")  # fmt: skip
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
