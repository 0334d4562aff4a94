"""Typed, frozen views of the monitor's wire protocol v1 payloads (see docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _datetime(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """The classifier model the monitor runs."""

    name: str | None
    version: str | None
    labels: tuple[str, ...]
    cry_label: str | None
    threshold: float | None
    card: str | None
    error: str | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelInfo:
        """Build from the `info.model` object."""
        return cls(
            name=data.get("name"),
            version=data.get("version"),
            labels=tuple(data.get("labels") or ()),
            cry_label=data.get("cry_label"),
            threshold=_float(data.get("threshold")),
            card=data.get("card"),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class Info:
    """`GET /api/v1/info`: who the monitor is and what it can do."""

    device_id: str
    name: str
    version: str
    protocol_version: int
    model: ModelInfo
    capabilities: frozenset[str]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Info:
        """Build from the info object."""
        return cls(
            device_id=str(data["device_id"]),
            name=str(data.get("name") or "Babblefish"),
            version=str(data.get("version") or ""),
            protocol_version=int(data["protocol_version"]),
            model=ModelInfo.from_dict(data.get("model") or {}),
            capabilities=frozenset(data.get("capabilities") or ()),
        )


@dataclass(frozen=True, slots=True)
class Episode:
    """One crying episode; `end` is None while it is still running."""

    start: datetime
    end: datetime | None
    duration_s: float
    peak_score: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        """Build from an episode object."""
        start = _datetime(data["start"])
        assert start is not None
        return cls(
            start=start,
            end=_datetime(data.get("end")),
            duration_s=float(data.get("duration_s") or 0.0),
            peak_score=float(data.get("peak_score") or 0.0),
        )


@dataclass(frozen=True, slots=True)
class SoundLevel:
    """Loudness of the last second of audio in dBFS (plus calibration offset)."""

    rms_dbfs: float | None
    peak_dbfs: float | None


@dataclass(frozen=True, slots=True)
class Climate:
    """Nursery temperature and humidity; values are None unless status is `ok`."""

    status: str
    temperature_c: float | None
    humidity_pct: float | None


@dataclass(frozen=True, slots=True)
class Source:
    """The audio source and whether it is delivering audio."""

    name: str | None
    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """Whether the classifier is working."""

    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class State:
    """`GET /api/v1/state` and the WebSocket `state` message."""

    crying: bool
    paused: bool
    sensitivity: float | None
    sound_class: str | None
    scores: dict[str, float]
    sound_level: SoundLevel
    day: str
    cry_seconds_today: float
    cry_minutes_today: float
    episodes_today: int
    last_episode: Episode | None
    climate: Climate
    source: Source
    model_status: ModelStatus
    updated_at: datetime | None

    @property
    def confidence(self) -> float | None:
        """The score of the current sound class."""
        if self.sound_class is None:
            return None
        return self.scores.get(self.sound_class)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """Build from the state object."""
        level = data.get("sound_level") or {}
        climate = data.get("climate") or {}
        source = data.get("source") or {}
        model_status = data.get("model_status") or {}
        last = data.get("last_episode")
        return cls(
            crying=bool(data["crying"]),
            paused=bool(data.get("paused", False)),
            sensitivity=_float(data.get("sensitivity")),
            sound_class=data.get("sound_class"),
            scores={str(k): float(v) for k, v in (data.get("scores") or {}).items()},
            sound_level=SoundLevel(
                rms_dbfs=_float(level.get("rms_dbfs")), peak_dbfs=_float(level.get("peak_dbfs"))
            ),
            day=str(data.get("day") or ""),
            cry_seconds_today=float(data.get("cry_seconds_today") or 0.0),
            cry_minutes_today=float(data.get("cry_minutes_today") or 0.0),
            episodes_today=int(data.get("episodes_today") or 0),
            last_episode=Episode.from_dict(last) if last else None,
            climate=Climate(
                status=str(climate.get("status") or "disabled"),
                temperature_c=_float(climate.get("temperature_c")),
                humidity_pct=_float(climate.get("humidity_pct")),
            ),
            source=Source(
                name=source.get("name"),
                status=str(source.get("status") or "starting"),
                error=source.get("error"),
            ),
            model_status=ModelStatus(
                status=str(model_status.get("status") or "ok"), error=model_status.get("error")
            ),
            updated_at=_datetime(data.get("updated_at")),
        )


@dataclass(frozen=True, slots=True)
class HistoryDay:
    """Cry total of one day."""

    day: str
    cry_seconds: float
    episodes: int


@dataclass(frozen=True, slots=True)
class History:
    """`GET /api/v1/history`: daily totals (oldest first) and episodes (newest first)."""

    days: tuple[HistoryDay, ...]
    episodes: tuple[Episode, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Build from the history object."""
        return cls(
            days=tuple(
                HistoryDay(
                    day=str(d["day"]),
                    cry_seconds=float(d["cry_seconds"]),
                    episodes=int(d["episodes"]),
                )
                for d in data.get("days") or ()
            ),
            episodes=tuple(Episode.from_dict(e) for e in data.get("episodes") or ()),
        )


CryEventType = Literal["cry_started", "cry_ended"]


@dataclass(frozen=True, slots=True)
class CryEvent:
    """A WebSocket `event` message: crying started or ended."""

    event: CryEventType
    start: datetime | None
    end: datetime | None
    duration_s: float
    peak_score: float
    stream_time: float | None

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> CryEvent:
        """Build from an `event` message."""
        data = message.get("data") or {}
        return cls(
            event=message["event"],
            start=_datetime(data.get("start")),
            end=_datetime(data.get("end")),
            duration_s=float(data.get("duration_s") or 0.0),
            peak_score=float(data.get("peak_score") or 0.0),
            stream_time=_float(data.get("stream_time")),
        )


@dataclass(frozen=True, slots=True)
class Hello:
    """The first WebSocket message: the monitor's info and current state."""

    info: Info
    state: State


@dataclass(frozen=True, slots=True)
class CommandResult:
    """A reply to a client command."""

    id: int | None
    success: bool
    error: str | None = field(default=None)


Message = Hello | State | CryEvent | CommandResult
