"""Read any audio file (soundfile first, ffmpeg as fallback) as 16 kHz mono float32, and write FLAC."""

from __future__ import annotations

import shutil
import subprocess
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf
from babblefish_monitor.audio.frontend import FRONTEND
from scipy.signal import resample_poly

FloatArray = npt.NDArray[np.float32]
AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".opus", ".webm", ".aiff"}
)


class AudioReadError(Exception):
    """A file that neither soundfile nor ffmpeg can decode."""


def to_mono(audio: npt.NDArray[np.floating]) -> FloatArray:
    """Average channels: (n,) or (n, channels) -> (n,) float32."""
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    return np.asarray(audio, dtype=np.float32)


def resample(audio: FloatArray, rate: int, target: int = FRONTEND.sample_rate) -> FloatArray:
    """Polyphase resampling to `target` Hz (exact for rational ratios)."""
    if rate == target:
        return audio
    divisor = gcd(rate, target)
    out: FloatArray = resample_poly(audio, target // divisor, rate // divisor).astype(np.float32)
    return out


def _read_with_ffmpeg(path: Path, target: int) -> FloatArray:
    if shutil.which("ffmpeg") is None:
        raise AudioReadError(f"{path}: soundfile cannot read it and ffmpeg is not installed")
    command = [
        "ffmpeg", "-nostdin", "-v", "error", "-i", str(path),
        "-f", "f32le", "-ac", "1", "-ar", str(target), "-",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False, timeout=600)
    if result.returncode != 0 or not result.stdout:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1].replace(f"{path}: ", "") if lines else "no audio decoded"
        raise AudioReadError(f"{path} ({reason})")
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


def read_audio(path: Path, target: int = FRONTEND.sample_rate) -> FloatArray:
    """Decode `path` to mono float32 at `target` Hz; raise AudioReadError when it cannot."""
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError):
        return _read_with_ffmpeg(path, target)
    except OSError as err:
        raise AudioReadError(f"{path}: {err}") from err
    mono = to_mono(audio)
    if mono.size == 0:
        raise AudioReadError(f"{path}: no audio samples")
    if not np.all(np.isfinite(mono)):
        raise AudioReadError(f"{path}: contains NaN or infinite samples")
    return resample(mono, int(rate), target)


def write_flac(path: Path, audio: FloatArray, rate: int = FRONTEND.sample_rate) -> None:
    """Write 16-bit FLAC, clipping to full scale."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.clip(audio, -1.0, 32767 / 32768), rate, subtype="PCM_16", format="FLAC")
