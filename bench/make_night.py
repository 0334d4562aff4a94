"""Seeded generator of a night-long nursery stream from ../shared/data, with ground-truth cries.

    python bench/make_night.py --seed A --hours 8 --out bench/out/night-A.flac

Writes the FLAC (16 kHz mono) and `<out>.truth.json`: every cry episode's start/end (s), level and
whether it happened under the white-noise machine. The night (`babblefish_training.night`): a quiet
room (pink/brown noise, mains hum), stretches of talking and household noise, one stretch of
white-noise machine, and cry episodes at -35 to -15 dBFS made of real cry clips joined with breath
pauses.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile
from babblefish_training.night import RATE, Audio, Night, seed_of, trim_digital_silence

DATA = Path(
    os.environ.get("BABBLEFISH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@dataclass(frozen=True)
class Clip:
    path: Path
    label: str
    group: str
    lead: float
    trail: float


def load_manifest() -> dict[str, list[Clip]]:
    """Every clip of dev and dev_extra by label, in manifest order."""
    by_label: dict[str, list[Clip]] = {}
    for split in ("dev", "dev_extra"):
        manifest = DATA / split / "manifest.csv"
        if not manifest.is_file():
            continue
        with manifest.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                clip = Clip(
                    DATA / split / row["path"],
                    row["label"],
                    row["group_id"],
                    float(row["lead_silence_s"] or 0),
                    float(row["trail_silence_s"] or 0),
                )
                by_label.setdefault(clip.label, []).append(clip)
    if not by_label:
        sys.exit(f"no data at {DATA} (set BABBLEFISH_DATA)")
    return by_label


@lru_cache(maxsize=2048)
def read_clip(clip: Clip) -> Audio:
    """The clip at 16 kHz mono, leading/trailing silence (and ESC-50 zero padding) cut."""
    audio, rate = soundfile.read(str(clip.path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != RATE:  # the data is documented as 16 kHz; be safe anyway
        audio = np.interp(np.arange(0, audio.size, rate / RATE), np.arange(audio.size), audio)
    start, stop = int(clip.lead * RATE), audio.size - int(clip.trail * RATE)
    trimmed = audio[start:stop] if stop - start > RATE // 4 else audio
    return trim_digital_silence(trimmed.astype(np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", default="A", help="any text; the same seed gives the same night")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--cries-per-hour", type=float, default=4.0)
    parser.add_argument(
        "--out", type=Path, default=None, help="FLAC path (default bench/out/night-<seed>.flac)"
    )
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "out" / f"night-{args.seed}.flac"
    out.parent.mkdir(parents=True, exist_ok=True)
    night = Night(seed_of(args.seed), args.hours, load_manifest(), read_clip)
    night.room()
    span = night.white_noise_machine("white_noise", args.hours)
    night.activity("talking", per_hour=1.5, minutes=(1, 6), levels=(-38, -24))
    night.activity("household", per_hour=1.5, minutes=(1, 5), levels=(-40, -22))
    night.cries("crying", args.cries_per_hour, span)
    night.finish()
    soundfile.write(str(out), night.audio, RATE, subtype="PCM_16")
    made = night.truth()
    truth = {"seed": args.seed, "hours": made["hours"], "sample_rate": RATE, "file": out.name,
             "episodes": made["episodes"], "scenes": made["scenes"]}  # fmt: skip
    truth_path = out.with_suffix(".truth.json")
    truth_path.write_text(json.dumps(truth, indent=1), encoding="utf-8")
    cry_s = sum(e.end - e.start for e in night.episodes)
    print(
        f"{out}: {args.hours:g} h, {len(night.episodes)} cry episodes, {cry_s / 60:.1f} cry min "
        f"({sum(e.masked for e in night.episodes)} under white noise); truth in {truth_path}"
    )


if __name__ == "__main__":
    main()
