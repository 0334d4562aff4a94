"""Would a sustained-evidence onset announce cries sooner? Replayed offline on cached scores.

    python bench/sustained_onset.py [--model DIR]

Besides one window at the onset threshold, an episode would also start when k of the last n
windows reach a lower score s. This lifts such windows to the onset threshold and replays the
monitor's detector on the default model's fused (cascade) scores of the tuning night and nights
A-C, scored once through both models and cached as `bench/cascade_bench.py` does (run it first).
Prints false alarms per hour and the announced onset median / p90 for every (s, k, n).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.cascade_spec import SECTION, read_cascade
from babblefish_monitor.audio.detector import Detector, DetectorConfig
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_training.operating_point import Scores, trial

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cascade_bench import SHARED, make
from cascade_scores import fused, night_scores

OUT = Path(__file__).resolve().parent / "out"
NIGHTS = [OUT / "tuning-night.flac"] + [OUT / f"night-{s}.flac" for s in "ABC"]
LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9)
COUNTS = (2, 3, 4, 5)
SPANS = (3, 4, 6, 8)


def sustained(
    scores: npt.NDArray[np.float64], onset: float, level: float, k: int, n: int
) -> npt.NDArray[np.float64]:
    """The scores with every window where k of the last n reach `level` lifted to `onset`."""
    count = np.convolve((scores >= level).astype(int), np.ones(n, int))[: scores.size]
    out = scores.copy()
    out[count >= k] = np.maximum(out[count >= k], onset)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    spec = load_model_dir(args.model)
    cs = read_cascade(spec.directory, spec.extra[SECTION], spec.threshold)
    cascade_file = SHARED / "models/yamnet/yamnet.tflite"  # as cascade_bench scored it
    cascade = make(cascade_file, spec, cs.gate, cs.fusion, cs.threshold)
    assert cs.fused_threshold is not None
    at = replace(spec, threshold=cs.fused_threshold)
    onset = Detector.for_model(DetectorConfig(), at, DEFAULT_HOP_SECONDS).on_threshold
    for night in NIGHTS:
        if not night.is_file():
            continue
        stem = night.stem
        truth = json.loads(night.with_suffix(".truth.json").read_text(encoding="utf-8"))
        ws = night_scores(night, spec, cascade_file, DEFAULT_HOP_SECONDS, OUT / "cache" / "cascade")
        base, _ = fused(ws, cascade)
        print(f"== {stem} (onset threshold {onset:.3f}): s k n | FA/h onset median p90")
        rules = [(None, 0, 0), *itertools.product(LEVELS, COUNTS, SPANS)]
        for level, k, n in rules:
            if level is not None and k > n:
                continue
            scores = base if level is None else sustained(base, onset, level, k, n)
            m = trial(Scores(ws.times, scores, ws.audio_seconds), at, truth, DEFAULT_HOP_SECONDS,
                      DetectorConfig())  # fmt: skip
            print(f"{level or '-'} {k} {n} | {m.false_alarms_per_hour:.3f} "
                  f"{m.latency_median:.2f} {m.latency_p90:.2f} found {m.recall:.0%}")  # fmt: skip


if __name__ == "__main__":
    main()
