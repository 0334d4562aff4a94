"""Replay speed: decode -> features -> inference -> detector, real-time factor on one core.

    python bench/replay_bench.py bench/out/night-A.flac [--model DIR] [--hop 0.25]

Pins itself to CPU 0 and one thread everywhere (the same as `taskset -c 0`), replays the file
through the monitor's real replay path, then times each stage alone on the same audio.
Target: >= 1000x real time for the whole pipeline.
"""

from __future__ import annotations

# ruff: noqa: E402 - the thread settings must precede numpy
import os

# One thread for every numeric library, set before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import numpy as np
import soundfile
from babblefish_monitor.audio.committee import classifier_for
from babblefish_monitor.audio.detector import Detector, DetectorConfig
from babblefish_monitor.audio.frontend import log_mel
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_monitor.replay import replay_file


def stage_times(path: Path, model: Path | None, hop: float) -> dict[str, float]:
    """Seconds spent in each stage alone, for one pass over the file."""
    spec = load_model_dir(model)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    audio, _ = soundfile.read(str(path), dtype="int16")
    times["decode"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    chunk = 16000 * 30
    frames = np.concatenate(
        [log_mel(audio[i : i + chunk + 240]) for i in range(0, audio.size, chunk)]
    )
    times["features"] = time.perf_counter() - t0
    hop_frames = round(hop * 100)
    classifier = classifier_for(spec)
    t0 = time.perf_counter()
    # As the pipeline does it: frames quantised once, then windows of a 30-s block per call.
    prepared = classifier.prepare(frames)
    windows = np.lib.stride_tricks.sliding_window_view(prepared, 98, axis=0)[::hop_frames]
    per_call = round(30 / hop)
    scores = [
        classifier.predict_prepared(
            np.ascontiguousarray(windows[i : i + per_call].transpose(0, 2, 1))
        )
        for i in range(0, windows.shape[0], per_call)
    ]
    times["inference"] = time.perf_counter() - t0
    cry = np.concatenate(scores)[:, spec.cry_index].astype(np.float64)
    t0 = time.perf_counter()
    detector = Detector.for_model(DetectorConfig(), spec, hop)
    detector.process(1.0 + hop * np.arange(cry.size), cry, spec.window_seconds)
    times["detector"] = time.perf_counter() - t0
    times["windows"] = float(cry.size)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--model", type=Path, default=None, help="model directory (default: shipped)"
    )
    parser.add_argument("--hop", type=float, default=DEFAULT_HOP_SECONDS)
    parser.add_argument("--repeat", type=int, default=5, help="full replays (best and median)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    spec = load_model_dir(args.model)
    print(f"model {spec.name} {spec.version} ({spec.directory}), hop {args.hop} s, pinned to CPU 0")
    runs, cpu = [], []
    for _ in range(args.repeat):
        cpu_start = time.process_time()
        runs.append(asyncio.run(replay_file(args.file, spec, hop_seconds=args.hop)))
        cpu.append(time.process_time() - cpu_start)
    best = max(runs, key=lambda r: r.realtime_factor)
    median = statistics.median(r.realtime_factor for r in runs)
    print(
        f"replay: {best.audio_seconds / 3600:.2f} h of audio in {best.wall_seconds:.2f} s "
        f"-> {best.realtime_factor:.0f}x real time (best of {args.repeat}; median "
        f"{median:.0f}x; all {', '.join(f'{r.realtime_factor:.0f}' for r in runs)}); "
        f"{len(best.episodes)} episodes"
    )
    # On a shared machine the wall clock includes waiting for the core; CPU time does not.
    print(
        f"  CPU time per replay: best {min(cpu):.2f} s -> {best.audio_seconds / min(cpu):.0f}x "
        "real time per CPU second"
    )
    stages = stage_times(args.file, args.model, args.hop)
    audio_s = best.audio_seconds
    for name in ("decode", "features", "inference", "detector"):
        print(f"  {name:9s} {stages[name]:6.2f} s  {audio_s / stages[name]:8.0f}x")
    per_window = stages["inference"] / stages["windows"] * 1e6
    print(f"  ({stages['windows']:.0f} windows, {per_window:.0f} us each)")


if __name__ == "__main__":
    main()
