"""The reference cries shipped with the monitor (redistributable; see reference_cries/ATTRIBUTION.md)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import soundfile as sf
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline

from .adapt import Sample
from .features import rows_of_audio

_LOGGER = logging.getLogger(__name__)

REFERENCE_DIR = Path(__file__).with_name("reference_cries")


def reference_files() -> list[Path]:
    return sorted(REFERENCE_DIR.glob("*.flac"))


def reference_samples(spec: ModelSpec, pipeline: Pipeline) -> list[Sample]:
    """Each reference cry's window rows, through the live pipeline's own model and window path."""
    samples: list[Sample] = []
    for path in reference_files():
        try:
            audio, rate = sf.read(path, dtype="int16", always_2d=False)
        except (OSError, RuntimeError) as err:
            _LOGGER.warning("reference cry %s unreadable, not checked: %s", path.name, err)
            continue
        if rate != spec.frontend.sample_rate or np.ndim(audio) != 1:
            _LOGGER.warning("reference cry %s is not 16 kHz mono, not checked", path.name)
            continue
        samples.append(Sample(path.stem, rows_of_audio(spec, pipeline, audio)))
    return samples
