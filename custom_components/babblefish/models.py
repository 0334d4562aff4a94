"""Typed, frozen views of the monitor's wire protocol v1 payloads (see docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .exceptions import BabblefishProtocolError
from .protocol import EVENT_NAMES, PROTOCOL_VERSION, EventName
from .state_parts import Climate, ModelStatus, SoundLevel, Source, Storage
from .wire import WireObject


@dataclass(frozen=True, slots=True)
class SecondOpinion:
    """Whether the monitor asks a second model (a cascade) about candidate windows, and why not."""

    status: str
    name: str | None
    reason: str | None

    @classmethod
    def read(cls, data: WireObject) -> SecondOpinion:
        """Build from the `info.model.second_opinion` object."""
        return cls(
            status=data.string("status"),
            name=data.optional_string("name"),
            reason=data.optional_string("reason"),
        )


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
    second_opinion: SecondOpinion

    @classmethod
    def read(cls, data: WireObject) -> ModelInfo:
        """Build from the `info.model` object."""
        return cls(
            name=data.optional_string("name"),
            version=data.optional_string("version"),
            labels=data.strings("labels"),
            cry_label=data.optional_string("cry_label"),
            threshold=data.optional_number("threshold"),
            card=data.optional_string("card"),
            error=data.optional_string("error"),
            second_opinion=SecondOpinion.read(data.child("second_opinion")),
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
    def read(cls, data: WireObject) -> Info:
        """Build from the info object, refusing another protocol version before anything else."""
        check_protocol_version(data.integer("protocol_version"))
        return cls(
            device_id=data.string("device_id"),
            name=data.string("name"),
            version=data.string("version"),
            protocol_version=data.integer("protocol_version"),
            model=ModelInfo.read(data.child("model")),
            capabilities=frozenset(data.strings("capabilities")),
        )


def check_protocol_version(version: int) -> None:
    """Refuse a monitor that speaks another version: its payloads would be misread."""
    if version != PROTOCOL_VERSION:
        raise BabblefishProtocolError(
            f"monitor speaks protocol {version}, this client speaks {PROTOCOL_VERSION}",
            remote_version=version,
        )


@dataclass(frozen=True, slots=True)
class Episode:
    """One crying episode; `end` is None while it is still running."""

    id: int
    start: datetime
    end: datetime | None
    duration_s: float
    peak_score: float

    @classmethod
    def read(cls, data: WireObject) -> Episode:
        """Build from an episode object."""
        return cls(
            id=data.integer("id"),
            start=data.timestamp("start"),
            end=data.optional_timestamp("end"),
            duration_s=data.number("duration_s"),
            peak_score=data.number("peak_score"),
        )


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
    storage: Storage
    updated_at: datetime

    @property
    def confidence(self) -> float | None:
        """The score of the current sound class."""
        if self.sound_class is None:
            return None
        return self.scores.get(self.sound_class)

    @classmethod
    def read(cls, data: WireObject) -> State:
        """Build from the state object."""
        last = data.optional_child("last_episode")
        return cls(
            crying=data.boolean("crying"),
            paused=data.boolean("paused"),
            sensitivity=data.optional_number("sensitivity"),
            sound_class=data.optional_string("sound_class"),
            scores=data.numbers_by_name("scores"),
            sound_level=SoundLevel.read(data.child("sound_level")),
            day=data.string("day"),
            cry_seconds_today=data.number("cry_seconds_today"),
            cry_minutes_today=data.number("cry_minutes_today"),
            episodes_today=data.integer("episodes_today"),
            last_episode=None if last is None else Episode.read(last),
            climate=Climate.read(data.child("climate")),
            source=Source.read(data.child("source")),
            model_status=ModelStatus.read(data.child("model_status")),
            storage=Storage.read(data.child("storage")),
            updated_at=data.timestamp("updated_at"),
        )


@dataclass(frozen=True, slots=True)
class HistoryDay:
    """Cry total of one day."""

    day: str
    cry_seconds: float
    episodes: int

    @classmethod
    def read(cls, data: WireObject) -> HistoryDay:
        """Build from one `days` item."""
        return cls(
            day=data.string("day"),
            cry_seconds=data.number("cry_seconds"),
            episodes=data.integer("episodes"),
        )


@dataclass(frozen=True, slots=True)
class History:
    """`GET /api/v1/history`: daily totals (oldest first) and episodes (newest first)."""

    days: tuple[HistoryDay, ...]
    episodes: tuple[Episode, ...]

    @classmethod
    def read(cls, data: WireObject) -> History:
        """Build from the history object."""
        return cls(
            days=data.children("days", HistoryDay.read),
            episodes=data.children("episodes", Episode.read),
        )


@dataclass(frozen=True, slots=True)
class CryEvent:
    """A WebSocket `event` message: crying started or ended."""

    event: EventName
    episode_id: int
    start: datetime
    end: datetime | None
    duration_s: float
    peak_score: float
    stream_time: float

    @classmethod
    def read(cls, event: EventName, data: WireObject) -> CryEvent:
        """Build from an `event` message's name and `data` object."""
        return cls(
            event=event,
            episode_id=data.integer("id"),
            start=data.timestamp("start"),
            end=data.optional_timestamp("end"),
            duration_s=data.number("duration_s"),
            peak_score=data.number("peak_score"),
            stream_time=data.number("stream_time"),
        )


def known_event(name: str) -> EventName | None:
    """The event name if this client knows it; a newer monitor may announce more."""
    for known in EVENT_NAMES:
        if name == known:
            return known
    return None


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
    error: str | None = None

    @classmethod
    def read(cls, data: WireObject) -> CommandResult:
        """Build from a `result` message."""
        return cls(
            id=data.optional_integer("id"),
            success=data.boolean("success"),
            error=data.optional_string("error"),
        )


Message = Hello | State | CryEvent | CommandResult
