"""Audio sources (ALSA, PulseAudio, ffmpeg, files) behind one interface, chosen by a spec string."""

from .base import BLOCK_SAMPLES, SAMPLE_RATE, AudioSource, Block, SourceError, SourceStatus
from .file import FileSource
from .process import ProcessSource, RestartPolicy
from .resample import Resampler
from .spec import SCHEMES, open_source

__all__ = [
    "BLOCK_SAMPLES",
    "SAMPLE_RATE",
    "SCHEMES",
    "AudioSource",
    "Block",
    "FileSource",
    "ProcessSource",
    "Resampler",
    "RestartPolicy",
    "SourceError",
    "SourceStatus",
    "open_source",
]
