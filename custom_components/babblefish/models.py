"""Typed, frozen views of the monitor's wire protocol v1 payloads (see docs/protocol.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .exceptions import BabblefishProtocolError
from .protocol import EVENT_NAMES, PROTOCOL_VERSION, EventName
from .state_parts import Climate, ModelStatus, SoundLevel, Source, Storage
from .wire import WireObject
from .wire_model import WireModel, read_fields, wire_key


@dataclass(frozen=True, slots=True)
class SecondOpinion(WireModel):
    """Whether the monitor asks a second model (a cascade) about candidate windows, and why not."""

    status: str
    name: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class ModelInfo(WireModel):
    """The classifier model the monitor runs."""

    name: str | None
    version: str | None
    labels: tuple[str, ...]
    cry_label: str | None
    threshold: float | None
    card: str | None
    error: str | None
    second_opinion: SecondOpinion


@dataclass(frozen=True, slots=True)
class Info(WireModel):
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
        return read_fields(cls, data)


def check_protocol_version(version: int) -> None:
    """Refuse a monitor that speaks another version: its payloads would be misread."""
    if version != PROTOCOL_VERSION:
        raise BabblefishProtocolError(
            f"monitor speaks protocol {version}, this client speaks {PROTOCOL_VERSION}",
            remote_version=version,
        )


@dataclass(frozen=True, slots=True)
class Episode(WireModel):
    """One crying episode; `end` is None while it is still running."""

    id: int
    start: datetime
    end: datetime | None
    duration_s: float
    peak_score: float


@dataclass(frozen=True, slots=True)
class State(WireModel):
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


@dataclass(frozen=True, slots=True)
class HistoryDay(WireModel):
    """Cry total of one day."""

    day: str
    cry_seconds: float
    episodes: int


@dataclass(frozen=True, slots=True)
class History(WireModel):
    """`GET /api/v1/history`: daily totals (oldest first) and episodes (newest first)."""

    days: tuple[HistoryDay, ...]
    episodes: tuple[Episode, ...]


@dataclass(frozen=True, slots=True)
class CryEvent:
    """A WebSocket `event` message: crying started or ended."""

    event: EventName  # the message's name, not a key of its data
    episode_id: int = field(metadata=wire_key("id"))
    start: datetime
    end: datetime | None
    duration_s: float
    peak_score: float
    stream_time: float

    @classmethod
    def read(cls, event: EventName, data: WireObject) -> CryEvent:
        """Build from an `event` message's name and `data` object."""
        return read_fields(cls, data, event=event)


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
class CommandResult(WireModel):
    """A reply to a client command."""

    id: int | None
    success: bool
    error: str | None = None


Message = Hello | State | CryEvent | CommandResult
