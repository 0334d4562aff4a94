"""Detection quality on a generated night: episode recall, false alarms, cry minutes, onset latency.

    python bench/make_night.py --seed B --hours 8
    python bench/night_bench.py bench/out/night-B.flac [--model DIR] [--set onset_seconds=0.5]
    python bench/night_bench.py bench/out/night-A.flac --tune     # grid over DetectorConfig
    python bench/night_bench.py bench/out/night-A.flac --model DIR --tune-shift --record
                                            # this model's own threshold_shift, into its model.json

Targets: recall >= 95 %, <= 1 false alarm per hour, cry minutes within +-10 %, median onset
latency <= 1.5 s (stream time from the true onset to cry_started).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import sys
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
from babblefish_monitor.audio.detector import Detector, DetectorConfig
from babblefish_monitor.audio.model import ModelSpec, load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_monitor.audio.sources import open_source
from babblefish_training.modeldir import record_detector
from babblefish_training.operating_point import (
    BLOCK_SECONDS,
    Metrics,
    Scorer,
    Scores,
    Trial,
    choose_shift,
    rank,
    trial,
)


def score_file(path: Path, spec: ModelSpec, hop: float, cache: Path | None = None) -> Scores:
    """Every window's cry score; with `cache`, reuse (or save) them for this file, model and hop."""
    key = f"{path.resolve()}|{path.stat().st_mtime_ns}|{spec.model_path.stat().st_mtime_ns}|{hop}"
    if cache is not None and cache.is_file():
        saved = np.load(cache)
        if str(saved["key"]) == key:
            return Scores(saved["times"], saved["cry"], float(saved["audio_seconds"]))

    async def run() -> Scores:
        scorer = Scorer(spec, hop)
        source = open_source(f"file:{path}", realtime=False, block_seconds=BLOCK_SECONDS)
        async for block in source.blocks():
            scorer.feed(block)
        return scorer.scores()

    scores = asyncio.run(run())
    if cache is not None:
        np.savez(cache, key=key, times=scores.times, cry=scores.cry,
                 audio_seconds=scores.audio_seconds)  # fmt: skip
    return scores


def report(m: Metrics) -> str:
    return (
        f"episodes: {m.truth} true, {m.detected} detected; recall {100 * m.recall:.1f} % "
        f"(under white noise {100 * m.masked_recall:.0f} %)\n"
        f"false alarms: {m.false_alarms} ({m.false_alarms_per_hour:.2f} per hour)"
        f"{_during(m.false_alarm_scenes)}\n"
        f"cry minutes: {m.detected_minutes:.2f} detected vs {m.truth_minutes:.2f} true "
        f"({m.minutes_error_pct:+.1f} %)\n"
        f"onset latency: median {m.latency_median:.2f} s, p90 {m.latency_p90:.2f} s\n"
        f"targets met: {'yes' if m.passes else 'NO'}"
    )


def _during(scenes: dict[str, int]) -> str:
    return "; during " + ", ".join(f"{k} {v}" for k, v in scenes.items()) if scenes else ""


def parse_set(items: list[str]) -> dict[str, float]:
    names = {f.name for f in fields(DetectorConfig)}
    out: dict[str, float] = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in names:
            sys.exit(f"unknown DetectorConfig field {key!r}; fields: {', '.join(sorted(names))}")
        out[key] = float(value)
    return out


GRID = {
    "threshold_shift": [1.5, 1.75, 2.0, 2.25, 2.5],
    "smoothing_seconds": [0.0, 0.5, 1.0],
    "onset_seconds": [0.0, 0.25, 0.5],
    "hangover_seconds": [1.0, 2.0, 3.0, 5.0],
    "offset_ratio": [0.3, 0.5, 0.7],
    "merge_gap_seconds": [3.0, 5.0, 10.0],
}


def tune(run: Trial, base: DetectorConfig) -> None:
    """Grid search; ranks configs that meet the targets by false alarms, then latency."""
    results = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        config = replace(base, **dict(zip(keys, values, strict=True)))
        m = run(config)
        results.append((rank(m), dict(zip(keys, values, strict=True)), m))
    results.sort(key=lambda r: r[0])
    for _, settings, m in results[:10]:
        print(f"{settings}  {m.summary()}")


def tune_shift(run: Trial, base: DetectorConfig) -> float:
    """Scan threshold_shift on this night and print every shift; the kept one (the middle of
    the passing shifts) is `operating_point.choose_shift`'s."""
    choice = choose_shift(run, base)
    for shift, m in choice.scanned:
        print(f"threshold_shift {shift:5.2f}  {m.summary()}")
    print(choice.describe())
    return choice.shift


def record_shift(model_dir: Path, shift: float, night: Path, hop: float) -> None:
    """Store the tuned shift in model.json (the monitor's detector uses it) and the model card."""
    detector = {
        "threshold_shift": shift,
        "tuned_on": night.name,
        "hop_seconds": hop,
        "tuned_with": "bench/night_bench.py --tune-shift",
    }
    record_detector(model_dir, detector)
    print(f"recorded threshold_shift {shift} in {model_dir / 'model.json'} and its model card")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--hop", type=float, default=DEFAULT_HOP_SECONDS)
    parser.add_argument(
        "--cache", action="store_true", help="reuse the scores (FILE.scores-HOP.npz) across runs"
    )
    parser.add_argument("--set", nargs="*", default=[], help="DetectorConfig overrides, name=value")
    parser.add_argument(
        "--tune", action="store_true", help="grid-search DetectorConfig on this night"
    )
    parser.add_argument(
        "--tune-shift", action="store_true", help="scan threshold_shift alone on this night"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="with --tune-shift: write it into --model's model.json",
    )
    args = parser.parse_args()
    truth = json.loads(args.file.with_suffix(".truth.json").read_text(encoding="utf-8"))
    spec = load_model_dir(args.model)
    t0 = time.perf_counter()
    cache = args.file.with_suffix(f".scores-{args.hop}.npz") if args.cache else None
    scores = score_file(args.file, spec, args.hop, cache)
    hours = scores.audio_seconds / 3600
    print(
        f"{args.file.name}: {hours:.2f} h scored in {time.perf_counter() - t0:.1f} s with "
        f"{spec.name} {spec.version} (threshold {spec.threshold}), hop {args.hop} s"
    )
    config = DetectorConfig(**parse_set(args.set))
    run = functools.partial(trial, scores, spec, truth, args.hop)
    if args.tune:
        tune(run, config)
        return
    if args.tune_shift:
        shift = tune_shift(run, config)
        if args.record:
            record_shift(spec.directory, shift, args.file, args.hop)
        return
    print(f"detector: {config}")
    onset = Detector.for_model(config, spec, args.hop).on_threshold
    print(f"onset threshold {onset:.4g} (model's own threshold_shift: {spec.threshold_shift})")
    metrics = run(config)
    print(report(metrics))
    for ep in metrics.missed:
        print(
            f"  missed: {ep['start']:.1f}-{ep['end']:.1f} s at {ep['level_dbfs']} dBFS"
            f"{' under white noise' if ep['masked'] else ''}"
        )


if __name__ == "__main__":
    main()
