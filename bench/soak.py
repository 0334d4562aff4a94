"""Soak: replay many hours of audio through the real pipeline and tally, and watch memory.

    python bench/soak.py [--hours 24] [--audio demo/nursery_demo.flac] [--model DIR]

Loops the recording (the demo night by default) block by block, 0.25 s at a time as the monitor
does, through the real Pipeline (features, LiteRT, detector) into a real CryTally in a temporary
directory, as fast as the CPU allows. Prints the resident set size at each quarter of the replay
and the growth per replayed hour after the first quarter (warm-up). Target: < 1 MB/h.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import Pipeline
from babblefish_monitor.tally import CryTally

BLOCK_S = 0.25
RATE = 16_000


def rss_mb() -> float:
    """This process's resident set size, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def soak(audio_path: Path, model: Path | None, hours: float) -> list[tuple[float, float]]:
    """(replayed hours, RSS MB) at the start and at each quarter."""
    audio, rate = soundfile.read(str(audio_path), dtype="int16")
    if rate != RATE or audio.ndim != 1:
        raise SystemExit(f"{audio_path}: need 16 kHz mono, got {rate} Hz, shape {audio.shape}")
    block = round(BLOCK_S * RATE)
    total_blocks = round(hours * 3600 / BLOCK_S)
    quarters = {round(total_blocks * q / 4) for q in (1, 2, 3, 4)}
    pipeline = Pipeline(load_model_dir(model), DetectorConfig())
    samples: list[tuple[float, float]] = [(0.0, rss_mb())]
    wall0 = datetime(2026, 11, 20, 19, tzinfo=UTC)
    episodes = 0
    with tempfile.TemporaryDirectory() as data_dir:
        stream = [0.0]
        tally = CryTally(Path(data_dir), UTC, monotonic=lambda: stream[0])
        episode_start = 0.0
        for n in range(1, total_blocks + 1):
            offset = ((n - 1) * block) % (audio.size - block)
            output = pipeline.process(np.ascontiguousarray(audio[offset : offset + block]))
            stream[0] = pipeline.stream_time
            for event in output.events:
                if event.kind == "cry_started":
                    episode_start = event.start
                    tally.start_episode(wall0 + timedelta(seconds=event.start), event.peak_score)
                    episodes += 1
                elif event.kind == "cry_ended":
                    end = event.end if event.end is not None else event.stream_time
                    tally.end_episode(end - event.start, event.peak_score)
            if tally.running is not None:
                tally.update_episode(pipeline.stream_time - episode_start, 0.0)
            if n in quarters:
                samples.append((n * BLOCK_S / 3600, rss_mb()))
        tally.close()
    print(f"{episodes} cry episodes detected")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="audio to replay (default 24)")
    parser.add_argument("--audio", type=Path, default=Path("demo/nursery_demo.flac"))
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    args = parser.parse_args()
    started = time.perf_counter()
    samples = soak(args.audio, args.model, args.hours)
    elapsed = time.perf_counter() - started
    for hours, rss in samples:
        print(f"after {hours:6.2f} h of audio: RSS {rss:7.1f} MB")
    (h1, r1), (h4, r4) = samples[1], samples[-1]
    growth = (r4 - r1) / (h4 - h1) if h4 > h1 else 0.0
    print(f"growth after warm-up: {growth:+.3f} MB per hour of audio (target < 1 MB/h)")
    print(
        f"{args.hours:g} h replayed in {elapsed:.0f} s ({args.hours * 3600 / elapsed:.0f}x real time)"
    )


if __name__ == "__main__":
    main()
