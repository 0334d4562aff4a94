"""Frontend throughput: log-mel features for a minute of audio, times real time, on one core.

    python bench/frontend_bench.py [--seconds 60] [--repeats 7]

Pins itself to one CPU and one thread for every numeric library, then reports the best of the
repeats for the batch form (`log_mel`) and the streaming form fed 0.25-s blocks. Target >= 2000x.
"""

from __future__ import annotations

# ruff: noqa: E402 - the thread settings must precede numpy
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import time
from collections.abc import Callable

import numpy as np
from babblefish_monitor.audio.frontend import FRONTEND, StreamingFrontend, log_mel


def best_seconds(work: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Fastest wall and CPU time of `repeats` runs (the least disturbed by other processes).

    On a shared machine the wall clock includes time spent waiting for the core; CPU time does not.
    """
    wall = cpu = float("inf")
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        work()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - cpu_start)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(int(args.seconds * FRONTEND.sample_rate)) * 3000).astype(np.int16)
    block = FRONTEND.sample_rate // 4

    def stream() -> None:
        frontend = StreamingFrontend()
        for start in range(0, audio.size, block):
            frontend.process(audio[start : start + block])

    timings = {
        "log_mel (batch)": best_seconds(lambda: log_mel(audio), args.repeats),
        "StreamingFrontend (0.25 s)": best_seconds(stream, args.repeats),
    }
    print(
        f"frontend, {args.seconds:.0f} s of 16 kHz int16 audio, one core, best of {args.repeats}:"
    )
    for name, (wall, cpu) in timings.items():
        print(
            f"  {name:27s} {wall * 1000:7.1f} ms  {args.seconds / wall:6.0f}x real time"
            f"  (CPU {cpu * 1000:6.1f} ms, {args.seconds / cpu:6.0f}x)"
        )
    print("  target: >= 2000x real time")


if __name__ == "__main__":
    main()
