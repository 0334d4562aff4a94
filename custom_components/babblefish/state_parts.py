"""The state object's nested parts (sound level, climate, source, model and storage status), protocol v1."""

from __future__ import annotations

from dataclasses import dataclass

from .wire_model import WireModel


@dataclass(frozen=True, slots=True)
class SoundLevel(WireModel):
    """Loudness of the last second of audio in dBFS (plus calibration offset)."""

    rms_dbfs: float | None
    peak_dbfs: float | None


@dataclass(frozen=True, slots=True)
class Climate(WireModel):
    """Nursery temperature and humidity; values are None unless status is `ok`."""

    status: str
    temperature_c: float | None
    humidity_pct: float | None


@dataclass(frozen=True, slots=True)
class Source(WireModel):
    """The audio source and whether it is delivering audio."""

    name: str
    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class ModelStatus(WireModel):
    """Whether the classifier is working."""

    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class Storage(WireModel):
    """Whether the monitor's cry tally reaches its disk, and what is only in memory meanwhile."""

    status: str
    error: str | None
    unsaved_episodes: int
    unsaved_seconds: float
    moved_aside: str | None
    moved_reason: str | None
    labels_problem: str | None
