"""Seeded generator of a night-long nursery stream from ../shared/data, with ground-truth cries.

    python bench/make_night.py --seed A --hours 8 --out bench/out/night-A.flac

Writes the FLAC (16 kHz mono) and `<out>.truth.json`: every cry episode's start/end (s), level and
whether it happened under the white-noise machine. The night: a quiet room (pink/brown noise, mains
hum), stretches of talking and household noise, one stretch of white-noise machine, and cry episodes
at -35 to -15 dBFS made of real cry clips joined with breath pauses.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

RATE = 16_000
DATA = Path(
    os.environ.get("BABBLEFISH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
Audio = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Clip:
    path: Path
    label: str
    group: str
    lead: float
    trail: float


@dataclass
class Episode:
    start: float
    end: float
    level_dbfs: float
    masked: bool
    clips: int


def seed_of(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def load_manifest() -> list[Clip]:
    clips: list[Clip] = []
    for split in ("dev", "dev_extra"):
        manifest = DATA / split / "manifest.csv"
        if not manifest.is_file():
            continue
        with manifest.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                clips.append(
                    Clip(
                        DATA / split / row["path"],
                        row["label"],
                        row["group_id"],
                        float(row["lead_silence_s"] or 0),
                        float(row["trail_silence_s"] or 0),
                    )
                )
    if not clips:
        sys.exit(f"no data at {DATA} (set BABBLEFISH_DATA)")
    return clips


@lru_cache(maxsize=2048)
def read_clip(clip: Clip) -> Audio:
    """The clip at 16 kHz mono, leading/trailing silence (and ESC-50 zero padding) cut."""
    audio, rate = soundfile.read(str(clip.path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != RATE:  # the data is documented as 16 kHz; be safe anyway
        audio = np.interp(np.arange(0, audio.size, rate / RATE), np.arange(audio.size), audio)
    start, stop = int(clip.lead * RATE), audio.size - int(clip.trail * RATE)
    trimmed = audio[start:stop] if stop - start > RATE // 4 else audio
    nonzero = np.flatnonzero(np.abs(trimmed) > 1e-4)
    return trimmed[nonzero[0] : nonzero[-1] + 1].astype(np.float32) if nonzero.size else trimmed


def rms_db(audio: Audio) -> float:
    return float(10 * np.log10(np.mean(np.square(audio, dtype=np.float64)) + 1e-20))


def at_level(audio: Audio, dbfs: float) -> Audio:
    return (audio * 10 ** ((dbfs - rms_db(audio)) / 20)).astype(np.float32)


def coloured_noise(rng: np.random.Generator, samples: int, slope: float) -> Audio:
    """Noise with power falling as 1/f**slope (1 = pink, 2 = brown), unit RMS."""
    spectrum = rng.standard_normal(samples // 2 + 1) + 1j * rng.standard_normal(samples // 2 + 1)
    freqs = np.fft.rfftfreq(samples, 1 / RATE)
    freqs[0] = freqs[1]
    noise = np.fft.irfft(spectrum / freqs ** (slope / 2), samples)
    return (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)


class Night:
    """Builds the night in memory (float32; 8 h is about 1.8 GB)."""

    def __init__(self, seed: str, hours: float) -> None:
        self.rng = np.random.default_rng(seed_of(seed))
        self.samples = int(hours * 3600 * RATE)
        self.audio = np.zeros(self.samples, dtype=np.float32)
        self.by_label: dict[str, list[Clip]] = {}
        for clip in load_manifest():
            self.by_label.setdefault(clip.label, []).append(clip)
        self.scenes: list[dict[str, object]] = []
        self.episodes: list[Episode] = []

    def add(self, audio: Audio, start: int) -> None:
        end = min(self.samples, start + audio.size)
        if end > start:
            self.audio[start:end] += audio[: end - start]

    def pick(self, label: str) -> Audio:
        clips = self.by_label[label]
        return read_clip(clips[int(self.rng.integers(len(clips)))])

    def room(self) -> None:
        """Quiet-room bed: pink + brown noise and a faint hum, drifting in level every 5 minutes."""
        chunk = 300 * RATE
        t = np.arange(chunk) / RATE
        for start in range(0, self.samples, chunk):
            level = self.rng.uniform(-62, -50)
            bed = 0.7 * coloured_noise(self.rng, chunk, 1.0) + 0.7 * coloured_noise(
                self.rng, chunk, 2.0
            )
            if self.rng.random() < 0.5:
                hum = sum(
                    np.sin(2 * np.pi * 50 * k * t + self.rng.uniform(0, 6.3)) / k for k in (1, 2, 3)
                )
                bed += 0.3 * hum.astype(np.float32)
            self.add(at_level(bed.astype(np.float32), level), start)

    def white_noise_machine(self, hours: float) -> tuple[int, int]:
        """One stretch of white-noise machine (real recordings looped), about an hour in eight."""
        length = int(min(hours * 3600, self.samples / RATE * 0.8) * RATE / 8)
        start = int(self.rng.uniform(0.1, 0.9) * (self.samples - length))
        level = self.rng.uniform(-40, -34)
        pos = start
        while pos < start + length:
            piece = self.pick("white_noise")
            piece = piece[: start + length - pos]
            self.add(at_level(piece, level), pos)
            pos += piece.size
        self.scenes.append(
            {
                "kind": "white_noise_machine",
                "start": start / RATE,
                "end": (start + length) / RATE,
                "level_dbfs": round(level, 1),
            }
        )
        return start, start + length

    def activity(
        self, label: str, per_hour: float, minutes: tuple[float, float], levels: tuple[float, float]
    ) -> None:
        """Stretches of `label` clips with short pauses: talking, household noise."""
        count = self.rng.poisson(per_hour * self.samples / RATE / 3600)
        for _ in range(count):
            length = self.rng.uniform(*minutes) * 60 * RATE
            pos = int(self.rng.uniform(0, self.samples - length))
            end = pos + int(length)
            level = self.rng.uniform(*levels)
            self.scenes.append(
                {
                    "kind": label,
                    "start": pos / RATE,
                    "end": end / RATE,
                    "level_dbfs": round(level, 1),
                }
            )
            while pos < end:
                piece = self.pick(label)
                self.add(at_level(piece, level + self.rng.uniform(-4, 4)), pos)
                pos += piece.size + int(self.rng.uniform(0.3, 4.0) * RATE)

    def cries(self, per_hour: float, masked_span: tuple[int, int]) -> None:
        """Cry episodes: 10 s to 3 min of cry clips with breath pauses, well apart."""
        count = max(1, self.rng.poisson(per_hour * self.samples / RATE / 3600))
        taken: list[tuple[int, int]] = []
        gap = 60 * RATE  # episodes well apart: they must stay separate episodes
        for _ in range(count):
            # Duration first, then a free spot: redrawing durations on a clash favours short ones.
            seconds = float(np.exp(self.rng.uniform(np.log(10), np.log(180))))
            for _attempt in range(500):
                start = int(self.rng.uniform(30, self.samples / RATE - seconds - 30) * RATE)
                end = start + int(seconds * RATE)
                if not any(start < e + gap and end > s - gap for s, e in taken):
                    taken.append((start, end))
                    break
        for start, end in sorted(taken):
            level = self.rng.uniform(-35, -15)
            pos, clips = start, 0
            while pos < end:
                piece = self.pick("crying")
                piece = piece[: max(end - pos, RATE)]
                self.add(at_level(piece, level + self.rng.uniform(-3, 3)), pos)
                last_end = pos + piece.size
                pos = last_end + int(self.rng.uniform(0.2, 1.0) * RATE)
                clips += 1
            masked = start < masked_span[1] and last_end > masked_span[0]
            self.episodes.append(
                Episode(
                    round(start / RATE, 3),
                    round(last_end / RATE, 3),
                    round(level, 1),
                    masked,
                    clips,
                )
            )


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
    night = Night(args.seed, args.hours)
    night.room()
    span = night.white_noise_machine(args.hours)
    night.activity("talking", per_hour=1.5, minutes=(1, 6), levels=(-38, -24))
    night.activity("household", per_hour=1.5, minutes=(1, 5), levels=(-40, -22))
    night.cries(args.cries_per_hour, span)
    peak = float(np.max(np.abs(night.audio)))
    if peak > 0.99:  # overlaps can clip; scale the whole night down rather than distort
        night.audio *= 0.99 / peak
    soundfile.write(str(out), night.audio, RATE, subtype="PCM_16")
    truth = {
        "seed": args.seed,
        "hours": args.hours,
        "sample_rate": RATE,
        "file": out.name,
        "episodes": [asdict(e) for e in night.episodes],
        "scenes": night.scenes,
    }
    truth_path = out.with_suffix(".truth.json")
    truth_path.write_text(json.dumps(truth, indent=1), encoding="utf-8")
    cry_s = sum(e.end - e.start for e in night.episodes)
    print(
        f"{out}: {args.hours:g} h, {len(night.episodes)} cry episodes, {cry_s / 60:.1f} cry min "
        f"({sum(e.masked for e in night.episodes)} under white noise); truth in {truth_path}"
    )


if __name__ == "__main__":
    main()
