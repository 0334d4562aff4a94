"""The home simulation's nights: household sounds the default model fires on, cries, room noise."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
from babblefish_monitor.audio.committee import classifier_for
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import load_model_dir
from babblefish_monitor.audio.pipeline import Pipeline

DATA = Path(
    os.environ.get("BABBLEFISH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
RATE = 16_000
SLOT_S = 60.0  # one event per minute: episodes never merge across events
Audio = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Event:
    start: float
    end: float
    kind: str  # "cry" or the household sound's label
    name: str


def clips(label_filter: str) -> list[tuple[str, str, Path]]:
    """(label, group, path) of every dev clip that is (or is not) a cry, GBCD left out."""
    out = []
    for split in ("dev", "dev_extra"):
        manifest = DATA / split / "manifest.csv"
        with manifest.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                is_cry = row["label"] == "crying"
                if (label_filter == "crying") == is_cry and row["source"] != "gbcd":
                    out.append((row["label"], row["group_id"], DATA / split / row["path"]))
    return out


def _read(path: Path) -> Audio:
    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == RATE, f"{path} is not 16 kHz"
    return np.asarray(audio.mean(axis=1), dtype=np.float32)


def firing_sounds(count: int) -> list[tuple[str, Path]]:
    """The non-cry clips (laughs, animals, sirens...) the default model fires on hardest."""
    spec = load_model_dir(None)
    classifier = classifier_for(spec)
    found: list[tuple[float, str, Path]] = []
    for label, _group, path in clips("not crying"):
        pipeline = Pipeline(spec, DetectorConfig(), classifier=classifier)
        audio = _read(path)
        out = pipeline.process((audio * 32767).astype(np.int16))
        events = out.events + pipeline.flush().events
        if any(e.kind == "cry_started" for e in events):
            peak = max(e.peak_score for e in events)
            found.append((peak, label, path))
    found.sort(reverse=True)
    chosen: list[tuple[str, Path]] = []
    for _peak, label, path in found:
        if len(chosen) < count and path.name not in {p.name for _, p in chosen}:
            chosen.append((label, path))
    return chosen


def room_noise(rng: np.random.Generator, seconds: float) -> Audio:
    """Low brown-ish room noise at about -50 dBFS peak."""
    noise = rng.standard_normal(int(seconds * RATE)).astype(np.float32)
    noise = np.cumsum(noise) * 0.02
    noise -= np.convolve(noise, np.ones(400) / 400, mode="same")
    scaled: Audio = (noise / (np.abs(noise).max() + 1e-9) * 10 ** (-50 / 20)).astype(np.float32)
    return scaled


def quiet_cry(cries: list[Path]) -> tuple[Path, float]:
    """A cry and the loudest gain at which the default model misses it (while finding it cry-like)."""
    spec = load_model_dir(None)
    classifier = classifier_for(spec)
    rng = np.random.default_rng(0)
    for path in cries[:40]:
        sound = np.concatenate([_read(path)] * 2)
        for db in np.arange(-20.0, -46.0, -2.5):
            audio = room_noise(rng, sound.size / RATE + 4)
            audio[2 * RATE : 2 * RATE + sound.size] += sound * 10 ** (db / 20)
            pipeline = Pipeline(spec, DetectorConfig(), classifier=classifier)
            out = pipeline.process((np.clip(audio, -1, 1) * 32767).astype(np.int16))
            events = out.events + pipeline.flush().events
            if any(e.kind == "cry_started" for e in events):
                continue
            best = max((w.scores["crying"] for w in out.windows), default=0.0)
            if best >= 0.3:
                return path, float(db)
            break
    raise SystemExit("no cry in the data is both missed and cry-like at any level")


def make_night(
    rng: np.random.Generator,
    minutes: float,
    household: list[tuple[str, Path]],
    cries: list[Path],
    cries_per_night: int,
    *,
    quiet: tuple[Path, float] | None = None,
    quiet_slot: int | None = None,
) -> tuple[Audio, list[Event]]:
    """A night of room noise; each minute one household sound, one cry bout or the quiet cry."""
    slots = int(minutes * 60 // SLOT_S)
    audio = room_noise(rng, minutes * 60)
    order = [int(i) for i in rng.permutation(slots)]
    if quiet is not None:
        quiet_slot = order.pop() if quiet_slot is None else quiet_slot
        order = [i for i in order if i != quiet_slot]
    cry_slots = set(order[:cries_per_night])
    kinds = ["cry" if slot in cry_slots else None for slot in range(slots)]
    events: list[Event] = []
    for slot, kind in enumerate(kinds):
        at = slot * SLOT_S + rng.uniform(5, 20)
        if quiet is not None and slot == quiet_slot:
            path, db = quiet
            sound = np.concatenate([_read(path)] * 2)
            gain, label = 10 ** ((db + rng.uniform(-1, 1)) / 20), "quiet_cry"
        elif kind == "cry":
            path = cries[int(rng.integers(len(cries)))]
            sound = np.concatenate([_read(path)] * 2)
            gain, label = 10 ** (rng.uniform(-9, -3) / 20), "cry"
        else:
            label, path = household[slot % len(household)]
            sound, gain = _read(path), 10 ** (rng.uniform(-4, 4) / 20)
        start = int(at * RATE)
        piece = np.clip(sound * gain, -1, 1)[: audio.size - start]
        audio[start : start + piece.size] += piece
        events.append(Event(at, at + piece.size / RATE, label, path.name))
    return np.clip(audio, -1, 1), events
