"""Recording channels: a phone line (ffmpeg speech codecs), small rooms (pyroomacoustics), microphones.

The shared data's cries are nearly all phone recordings and its other sounds mostly full band, so
a model can tell them apart by channel. These renditions let training give both sides the same
channels: negatives through a phone line as often as cries are phone recordings, cries through a
nursery's room and microphone as often as anything else.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import TrainingError

FloatArray = npt.NDArray[np.float32]
RATE = 16_000
ISM_ORDER = 6
GAP = RATE // 4  # silence between clips sent through one codec run, so codec state cannot leak


@dataclass(frozen=True)
class PhoneSetting:
    """One phone line: band edges (Hz), codec and its bit rate."""

    low_hz: float
    high_hz: float
    codec: str  # "gsm", "opus" or "speex"
    kbps: float

    def encoder(self) -> list[str]:
        if self.codec == "gsm":  # fixed 13 kbit/s full-rate GSM
            return ["-c:a", "libgsm", "-f", "gsm"]
        if self.codec == "opus":
            return [
                "-c:a",
                "libopus",
                "-b:a",
                f"{self.kbps:g}k",
                "-application",
                "voip",
                "-f",
                "ogg",
            ]
        return ["-c:a", "libspeex", "-b:a", f"{self.kbps:g}k", "-f", "ogg"]


PHONE_SETTINGS = (
    PhoneSetting(300, 3400, "gsm", 13),
    PhoneSetting(250, 3300, "gsm", 13),
    PhoneSetting(300, 3400, "opus", 6),
    PhoneSetting(200, 3600, "opus", 8),
    PhoneSetting(350, 3200, "opus", 12),
    PhoneSetting(300, 3400, "speex", 8),
)


def _ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise TrainingError(
            "the phone channel needs ffmpeg (with libgsm, libopus and libspeex): install it, "
            "e.g. `apt-get install ffmpeg`, or train without --channel"
        )
    return found


def through_phone(audio: FloatArray, setting: PhoneSetting) -> FloatArray:
    """16 kHz mono audio through a band-passed 8 kHz phone line and back, the same length."""
    ffmpeg = _ffmpeg()
    quiet = ["-hide_banner", "-loglevel", "error", "-nostdin"]
    band = f"highpass=f={setting.low_hz:g},lowpass=f={setting.high_hz:g}"
    encode = [ffmpeg, *quiet, "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
              "-af", band, "-ar", "8000", *setting.encoder(), "pipe:1"]  # fmt: skip
    demux = ["-f", "gsm", "-ar", "8000"] if setting.codec == "gsm" else []
    decode = [ffmpeg, *quiet, *demux, "-i", "pipe:0", "-ar", str(RATE), "-ac", "1", "-f", "f32le",
              "pipe:1"]  # fmt: skip
    pcm = np.clip(audio, -1.0, 1.0).astype("<f4").tobytes()
    try:
        coded = subprocess.run(encode, input=pcm, capture_output=True, check=True).stdout
        decoded = subprocess.run(decode, input=coded, capture_output=True, check=True).stdout
    except subprocess.CalledProcessError as err:
        raise TrainingError(
            f"ffmpeg could not encode {setting.codec} ({err.stderr.decode(errors='replace').strip()}); "
            "an ffmpeg built with libgsm, libopus and libspeex is needed for --channel"
        ) from err
    out = np.frombuffer(decoded, dtype="<f4").astype(np.float32)
    if out.size < audio.size:
        out = np.concatenate([out, np.zeros(audio.size - out.size, dtype=np.float32)])
    return out[: audio.size]


def phone_renditions(
    clips: Sequence[FloatArray], seed: int, cache_dir: Path | None = None
) -> list[FloatArray]:
    """Every clip through one phone line drawn for it; one codec run per line for all its clips.

    Cached on disk by the clips' audio, the seed and the lines, so a rerun does not pay twice.
    """
    rng = np.random.default_rng(seed)
    choice = rng.integers(len(PHONE_SETTINGS), size=len(clips))
    key = hashlib.sha1(f"{seed}|{PHONE_SETTINGS}".encode())
    for clip in clips:
        key.update(np.ascontiguousarray(clip, dtype=np.float32).tobytes())
    cache = None if cache_dir is None else cache_dir / f"phone-{key.hexdigest()}.npz"
    if cache is not None and cache.is_file():
        saved = np.load(cache)
        return [saved[f"c{i}"] for i in range(len(clips))]
    out: list[FloatArray] = [np.zeros(0, np.float32)] * len(clips)
    for index, setting in enumerate(PHONE_SETTINGS):
        members = np.flatnonzero(choice == index)
        if members.size == 0:
            continue
        gap = np.zeros(GAP, dtype=np.float32)
        joined = np.concatenate([part for i in members for part in (clips[i], gap)])
        coded = through_phone(joined, setting)
        offset = 0
        for i in members:
            out[i] = coded[offset : offset + clips[i].size].copy()
            offset += clips[i].size + GAP
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
        arrays: dict[str, Any] = {f"c{i}": a for i, a in enumerate(out)}
        np.savez(temporary, **arrays)
        temporary.replace(cache)
    return out


@dataclass(frozen=True)
class Room:
    """A simulated room's impulse response from a source at `distance_m` to the microphone."""

    impulse: FloatArray
    distance_m: float
    rt60_s: float


def room_bank(count: int, seed: int, distance_m: tuple[float, float] = (0.5, 4.0)) -> list[Room]:
    """Small shoebox rooms (2.5-5.5 m, RT60 0.2-0.7 s), source and microphone `distance_m` apart."""
    import pyroomacoustics as pra

    rng = np.random.default_rng(seed)
    rooms: list[Room] = []
    while len(rooms) < count:
        dims = np.array([rng.uniform(2.5, 5.5), rng.uniform(2.5, 5.5), rng.uniform(2.3, 3.0)])
        rt60 = float(rng.uniform(0.2, 0.7))
        distance = float(rng.uniform(*distance_m))
        mic = dims * rng.uniform(0.15, 0.85, 3)
        direction = rng.standard_normal(3)
        source = mic + distance * direction / np.linalg.norm(direction)
        if np.any(source < 0.1) or np.any(source > dims - 0.1):
            continue  # that direction leaves the room; draw again
        try:
            absorption, order = pra.inverse_sabine(rt60, dims)
        except ValueError:
            continue  # a room too large for that RT60
        room = pra.ShoeBox(dims, fs=RATE, materials=pra.Material(absorption),
                           max_order=min(order, ISM_ORDER))  # fmt: skip
        room.add_source(source)
        room.add_microphone(mic)
        room.compute_rir()
        impulse = _with_late_tail(np.asarray(room.rir[0][0], dtype=np.float64), rt60, rng)
        peak = float(np.max(np.abs(impulse))) or 1.0
        rooms.append(Room((impulse / peak).astype(np.float32), distance, rt60))
    return rooms


def _with_late_tail(
    early: npt.NDArray[np.float64], rt60: float, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Early reflections from the image sources, then a diffuse tail decaying at the room's RT60.

    Image sources up to the order RT60 would need take seconds per room; a low order plus a noise
    tail that continues the early energy's decay gives the same reverberation time in a fraction.
    """
    length = max(early.size, int(rt60 * RATE))
    decay = np.exp(-6.9 * np.arange(length) / (rt60 * RATE))
    tail = rng.standard_normal(length) * decay
    start = early.size * 2 // 3
    level = float(np.sqrt(np.mean(early[start:] ** 2))) if early.size > start else 0.0
    reference = float(np.sqrt(np.mean(tail[start : early.size] ** 2))) or 1.0
    tail *= level / reference
    tail[:start] = 0.0
    fade = np.clip((np.arange(length) - start) / max(1, early.size - start), 0.0, 1.0)
    out: npt.NDArray[np.float64] = tail * fade
    out[: early.size] += early * (1.0 - fade[: early.size])
    return out


def reverberate(audio: FloatArray, room: Room) -> FloatArray:
    """The audio as heard through the room (aligned on the direct path, same length)."""
    from scipy.signal import fftconvolve

    direct = int(np.argmax(np.abs(room.impulse)))
    wet = fftconvolve(audio.astype(np.float64), room.impulse.astype(np.float64))
    heard: FloatArray = wet[direct : direct + audio.size].astype(np.float32)
    return heard


def colour(audio: FloatArray, rng: np.random.Generator) -> FloatArray:
    """A cheap microphone's response: a resonance and tilted lows/highs (audiomentations filters)."""
    from audiomentations import HighShelfFilter, LowShelfFilter, PeakingFilter

    centre = float(np.exp(rng.uniform(np.log(500.0), np.log(3500.0))))
    gains = rng.uniform(-8.0, 8.0, 3)
    q = float(rng.uniform(0.7, 3.0))
    steps = [
        PeakingFilter(min_center_freq=centre, max_center_freq=centre, min_gain_db=gains[0],
                      max_gain_db=gains[0], min_q=q, max_q=q, p=1.0),
        LowShelfFilter(min_center_freq=250.0, max_center_freq=250.0, min_gain_db=gains[1],
                       max_gain_db=gains[1], min_q=0.7, max_q=0.7, p=1.0),
        HighShelfFilter(min_center_freq=3000.0, max_center_freq=3000.0, min_gain_db=gains[2],
                        max_gain_db=gains[2], min_q=0.7, max_q=0.7, p=1.0),
    ]  # fmt: skip
    out = audio.astype(np.float32)
    for step in steps:
        out = step(out, sample_rate=RATE)
    return np.asarray(out, dtype=np.float32)


def auto_gain(
    audio: FloatArray, rng: np.random.Generator, target_dbfs: float = -20.0
) -> FloatArray:
    """A microphone's automatic gain: a slow level rider (up to +30 dB) that lifts pauses and
    the noise floor between sounds and pulls loud onsets down."""
    block = RATE // 20
    usable = audio.size // block * block
    if usable == 0:
        return audio
    power = np.mean(audio[:usable].reshape(-1, block).astype(np.float64) ** 2, axis=1)
    level = 10 * np.log10(power + 1e-12)
    attack = float(rng.uniform(0.3, 0.8))
    smoothed = np.empty_like(level)
    state = level[0]
    for i, value in enumerate(level):
        state = state + (attack if value > state else attack / 6) * (value - state)
        smoothed[i] = state
    gain_db = np.clip(target_dbfs - smoothed, -20.0, 30.0)
    gain = np.interp(np.arange(audio.size), np.arange(gain_db.size) * block + block / 2,
                     10 ** (gain_db / 20))  # fmt: skip
    ridden: FloatArray = (audio * gain).astype(np.float32)
    return ridden


def self_noise(samples: int, rng: np.random.Generator) -> FloatArray:
    """A microphone's hiss, at an absolute -80 to -60 dBFS RMS."""
    level = 10 ** (rng.uniform(-80.0, -60.0) / 20)
    return (rng.standard_normal(samples) * level).astype(np.float32)
