"""A seeded synthetic nursery night from labelled clips, with its ground truth.

A quiet-room bed (pink and brown noise, sometimes mains hum) drifting in level, one stretch of a
white-noise machine, stretches of other sounds (talking, household noise...) and cry episodes
made of cry clips joined by breath pauses. `bench/make_night.py` builds its nights from
`../shared/data` with it; `train` builds one from its held-out clips to tune the monitor's
operating point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt

from .levels import set_rms_dbfs

RATE = 16_000
CRY_LEVELS = (-35.0, -15.0)  # dBFS: a nursery microphone a few metres from the cot
# A cry clip's frames this far below its RMS are not counted as heard: at the quietest cry level
# that is under the quiet-room bed.
AUDIBLE_BELOW_RMS_DB = 20.0
AUDIBLE_FRAMES = 4  # 0.2 s of sound in a row: a cry is sustained, a click is not
Audio = npt.NDArray[np.float32]
ClipT = TypeVar("ClipT")


def seed_of(text: str) -> int:
    """A stable 64-bit seed from any text."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def trim_digital_silence(audio: Audio, floor: float = 1e-4) -> Audio:
    """The clip from its first to its last sample above `floor` (ESC-50 pads clips with zeros)."""
    loud = np.flatnonzero(np.abs(audio) > floor)
    return audio[loud[0] : loud[-1] + 1] if loud.size else audio


def audible_span(audio: Audio, below_rms_db: float = AUDIBLE_BELOW_RMS_DB) -> tuple[int, int]:
    """Where a cry clip is heard: from the first to the end of the last run of `AUDIBLE_FRAMES`
    50-ms frames within `below_rms_db` of the clip's own RMS (whole clip if there is none).

    Cry recordings often open with seconds of near-silence, or a lone click, before the baby is
    heard; an episode's true onset is when the crying can be heard, not when the file starts."""
    frame = RATE // 20
    count = audio.size // frame
    if count < AUDIBLE_FRAMES:
        return 0, audio.size
    power = np.mean(audio[: count * frame].astype(np.float64).reshape(count, frame) ** 2, axis=1)
    loud = power >= np.mean(audio.astype(np.float64) ** 2) * 10 ** (-below_rms_db / 10)
    runs = np.convolve(loud, np.ones(AUDIBLE_FRAMES), "valid") >= AUDIBLE_FRAMES
    starts = np.flatnonzero(runs)
    if starts.size == 0:
        return 0, audio.size
    return int(starts[0] * frame), int(min(audio.size, (starts[-1] + AUDIBLE_FRAMES) * frame))


def bed_noise(rng: np.random.Generator, samples: int, slope: float) -> Audio:
    """Noise with power falling as 1/f**slope (1 = pink, 2 = brown), unit RMS.

    Not `synth.coloured_noise`: that one draws its randomness differently, and the bench nights
    (A, B, C) must come out the same as when their figures were taken.
    """
    spectrum = rng.standard_normal(samples // 2 + 1) + 1j * rng.standard_normal(samples // 2 + 1)
    freqs = np.fft.rfftfreq(samples, 1 / RATE)
    freqs[0] = freqs[1]
    noise = np.fft.irfft(spectrum / freqs ** (slope / 2), samples)
    unit: Audio = (noise / np.sqrt(np.mean(noise**2))).astype(np.float32)
    return unit


@dataclass
class Episode:
    """One true cry episode: seconds into the night, its level, and whether under the noise machine."""

    start: float
    end: float
    level_dbfs: float
    masked: bool
    clips: int


class Night(Generic[ClipT]):
    """Builds the night in memory (float32: 8 h is about 1.8 GB).

    `pools` maps a kind of sound to its clips and `load` turns a clip into 16 kHz mono audio, so
    clips can be files read on demand or audio already in memory. Every random draw comes from
    one generator in a fixed order: the same seed and pools give the same night.
    """

    def __init__(
        self,
        seed: int,
        hours: float,
        pools: Mapping[str, Sequence[ClipT]],
        load: Callable[[ClipT], Audio],
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.hours = hours
        self.samples = int(hours * 3600 * RATE)
        self.audio = np.zeros(self.samples, dtype=np.float32)
        self.pools = pools
        self.load = load
        self.scenes: list[dict[str, object]] = []
        self.episodes: list[Episode] = []

    def add(self, audio: Audio, start: int) -> None:
        end = min(self.samples, start + audio.size)
        if end > start:
            self.audio[start:end] += audio[: end - start]

    def pick(self, kind: str) -> Audio:
        clips = self.pools[kind]
        return self.load(clips[int(self.rng.integers(len(clips)))])

    def room(self) -> None:
        """Quiet-room bed: pink + brown noise and a faint hum, drifting in level every 5 minutes."""
        chunk = 300 * RATE
        t = np.arange(chunk) / RATE
        for start in range(0, self.samples, chunk):
            level = self.rng.uniform(-62, -50)
            bed = 0.7 * bed_noise(self.rng, chunk, 1.0) + 0.7 * bed_noise(self.rng, chunk, 2.0)
            if self.rng.random() < 0.5:
                hum = np.asarray(
                    sum(
                        np.sin(2 * np.pi * 50 * k * t + self.rng.uniform(0, 6.3)) / k
                        for k in (1, 2, 3)
                    )
                )
                bed += 0.3 * hum.astype(np.float32)
            self.add(set_rms_dbfs(bed.astype(np.float32), level), start)

    def white_noise_machine(self, kind: str, hours: float) -> tuple[int, int]:
        """One stretch of noise machine (clips of `kind` looped), about an hour in eight."""
        length = int(min(hours * 3600, self.samples / RATE * 0.8) * RATE / 8)
        start = int(self.rng.uniform(0.1, 0.9) * (self.samples - length))
        level = self.rng.uniform(-40, -34)
        pos = start
        while pos < start + length:
            piece = self.pick(kind)
            piece = piece[: start + length - pos]
            self.add(set_rms_dbfs(piece, level), pos)
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
        self,
        kind: str,
        per_hour: float,
        minutes: tuple[float, float],
        levels: tuple[float, float],
        *,
        each_clip_once: bool = False,
    ) -> None:
        """Stretches of `kind` clips with short pauses: talking, household noise.

        With `each_clip_once` a stretch plays its clips in a shuffled order without repeats and
        ends early when they run out: from a small pool, one odd clip would otherwise play over
        and over and decide the night's false alarms on its own.
        """
        count = self.rng.poisson(per_hour * self.samples / RATE / 3600)
        for _ in range(count):
            length = self.rng.uniform(*minutes) * 60 * RATE
            pos = start = int(self.rng.uniform(0, self.samples - length))
            end = pos + int(length)
            level = self.rng.uniform(*levels)
            playlist = list(self.rng.permutation(len(self.pools[kind]))) if each_clip_once else []
            while pos < end:
                if each_clip_once and not playlist:
                    end = pos
                    break
                piece = self.load(self.pools[kind][playlist.pop()]) if playlist else self.pick(kind)
                self.add(set_rms_dbfs(piece, level + self.rng.uniform(-4, 4)), pos)
                pos += piece.size + int(self.rng.uniform(0.3, 4.0) * RATE)
            self.scenes.append(
                {
                    "kind": kind,
                    "start": start / RATE,
                    "end": end / RATE,
                    "level_dbfs": round(level, 1),
                }
            )

    def cries(
        self,
        kind: str,
        per_hour: float,
        masked_span: tuple[int, int],
        levels: tuple[float, float] = CRY_LEVELS,
    ) -> None:
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
            level = self.rng.uniform(*levels)
            pos, clips, heard_from, heard_to = start, 0, start, start
            while pos < end:
                piece = self.pick(kind)
                piece = piece[: max(end - pos, RATE)]
                self.add(set_rms_dbfs(piece, level + self.rng.uniform(-3, 3)), pos)
                first, last = audible_span(piece)
                heard_from = pos + first if clips == 0 else heard_from
                heard_to = pos + last
                pos += piece.size + int(self.rng.uniform(0.2, 1.0) * RATE)
                clips += 1
            masked = heard_from < masked_span[1] and heard_to > masked_span[0]
            times = round(heard_from / RATE, 3), round(heard_to / RATE, 3)
            self.episodes.append(Episode(*times, round(level, 1), masked, clips))

    def finish(self) -> None:
        """Scale the whole night down if overlaps clipped, rather than distort."""
        peak = float(np.max(np.abs(self.audio))) if self.audio.size else 0.0
        if peak > 0.99:
            self.audio *= 0.99 / peak

    def truth(self) -> dict[str, Any]:
        """Ground truth: every cry episode and every scene (noise machine, activity stretches)."""
        return {
            "hours": self.hours,
            "sample_rate": RATE,
            "episodes": [asdict(e) for e in self.episodes],
            "scenes": self.scenes,
        }
