"""The state object's nested parts (sound level, climate, source, model and storage status), protocol v1."""

from __future__ import annotations

from dataclasses import dataclass

from .wire import WireObject


@dataclass(frozen=True, slots=True)
class SoundLevel:
    """Loudness of the last second of audio in dBFS (plus calibration offset)."""

    rms_dbfs: float | None
    peak_dbfs: float | None

    @classmethod
    def read(cls, data: WireObject) -> SoundLevel:
        """Build from the `sound_level` object."""
        return cls(
            rms_dbfs=data.optional_number("rms_dbfs"), peak_dbfs=data.optional_number("peak_dbfs")
        )


@dataclass(frozen=True, slots=True)
class Climate:
    """Nursery temperature and humidity; values are None unless status is `ok`."""

    status: str
    temperature_c: float | None
    humidity_pct: float | None

    @classmethod
    def read(cls, data: WireObject) -> Climate:
        """Build from the `climate` object."""
        return cls(
            status=data.string("status"),
            temperature_c=data.optional_number("temperature_c"),
            humidity_pct=data.optional_number("humidity_pct"),
        )


@dataclass(frozen=True, slots=True)
class Source:
    """The audio source and whether it is delivering audio."""

    name: str
    status: str
    error: str | None

    @classmethod
    def read(cls, data: WireObject) -> Source:
        """Build from the `source` object."""
        return cls(
            name=data.string("name"),
            status=data.string("status"),
            error=data.optional_string("error"),
        )


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Whether the classifier is working."""

    status: str
    error: str | None

    @classmethod
    def read(cls, data: WireObject) -> ModelStatus:
        """Build from the `model_status` object."""
        return cls(status=data.string("status"), error=data.optional_string("error"))


@dataclass(frozen=True, slots=True)
class Storage:
    """Whether the monitor's cry tally reaches its disk, and what is only in memory meanwhile."""

    status: str
    error: str | None
    unsaved_episodes: int
    unsaved_seconds: float
    moved_aside: str | None
    moved_reason: str | None
    labels_problem: str | None

    @classmethod
    def read(cls, data: WireObject) -> Storage:
        """Build from the `storage` object."""
        return cls(
            status=data.string("status"),
            error=data.optional_string("error"),
            unsaved_episodes=data.integer("unsaved_episodes"),
            unsaved_seconds=data.number("unsaved_seconds"),
            moved_aside=data.optional_string("moved_aside"),
            moved_reason=data.optional_string("moved_reason"),
            labels_problem=data.optional_string("labels_problem"),
        )
