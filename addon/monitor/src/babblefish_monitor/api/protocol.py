"""Wire protocol v1 (docs/protocol.md): the JSON shapes the monitor serves, and command parsing."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from babblefish_monitor import climate, tally
from babblefish_monitor.audio import detector, sources

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"
MAX_HISTORY_DAYS = 366
DEFAULT_HISTORY_DAYS = 7
# The panel's routes (labels, clips, export, adaptation; docs/protocol.md "Panel routes") are served by
# api/panel.py under the same prefix; their JSON shapes are documented there and in docs/protocol.md.
PANEL_ROUTES = (
    "GET nights", "GET night", "GET episodes/{id}/clip", "GET labels", "POST labels", "DELETE labels",
    "DELETE labels/{id}", "GET labels/{id}/clip", "GET labels/export", "GET adaptation", "POST adaptation",
)  # fmt: skip

# The stages own the values they report and declare them; the wire carries them as they are.
SourceStatus = sources.SourceStatus
ClimateStatus = climate.ClimateStatus
StorageStatus = tally.StorageStatus
EventName = detector.EventKind
ModelStatusName = Literal["ok", "error"]
CommandType = Literal["pause", "resume", "set_sensitivity", "ping"]


class SecondOpinion(TypedDict):
    # "on": the cascade's second model is asked about candidate windows; "off": the model has
    # none; "unavailable": it has one that cannot run (reason says why), the small model decides.
    status: Literal["on", "off", "unavailable"]
    name: str | None
    reason: str | None


class ModelInfo(TypedDict):
    name: str | None
    version: str | None
    labels: list[str]
    cry_label: str | None
    threshold: float | None
    card: str | None
    error: str | None
    second_opinion: SecondOpinion


class Info(TypedDict):
    device_id: str
    name: str
    version: str
    protocol_version: int
    model: ModelInfo
    capabilities: list[str]


class SoundLevel(TypedDict):
    rms_dbfs: float | None
    peak_dbfs: float | None


class Episode(TypedDict):
    # The tally's id: what a label (POST labels) names the episode by.
    id: int
    start: str
    end: str | None
    duration_s: float
    peak_score: float


class Climate(TypedDict):
    status: ClimateStatus
    temperature_c: float | None
    humidity_pct: float | None


class Source(TypedDict):
    name: str
    status: SourceStatus
    error: str | None


class ModelStatus(TypedDict):
    status: ModelStatusName
    error: str | None


class Storage(TypedDict):
    status: StorageStatus
    error: str | None
    unsaved_episodes: int
    unsaved_seconds: float
    moved_aside: str | None
    moved_reason: str | None
    labels_problem: str | None


class State(TypedDict):
    crying: bool
    paused: bool
    sensitivity: float
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
    updated_at: str


class HistoryDay(TypedDict):
    day: str
    cry_seconds: float
    episodes: int


class History(TypedDict):
    days: list[HistoryDay]
    episodes: list[Episode]


class EventData(TypedDict):
    id: int
    start: str
    end: str | None
    duration_s: float
    peak_score: float
    stream_time: float


def hello_message(info: Info, state: State) -> dict[str, Any]:
    """The first message on every WebSocket."""
    return {"type": "hello", "protocol_version": PROTOCOL_VERSION, "info": info, "state": state}


def state_message(state: State) -> dict[str, Any]:
    """A full state object, pushed on every change."""
    return {"type": "state", "state": state}


def event_message(event: EventName, data: EventData) -> dict[str, Any]:
    """A cry_started / cry_ended event."""
    return {"type": "event", "event": event, "data": data}


def result_message(command_id: Any, error: str | None = None) -> dict[str, Any]:
    """The reply to a client command; error None means success."""
    return {"type": "result", "id": command_id, "success": error is None, "error": error}


def error_body(error: str, message: str) -> dict[str, str]:
    """The body of a 4xx reply."""
    return {"error": error, "message": message}


@dataclass(frozen=True)
class Command:
    """A well-formed client command."""

    id: Any
    type: CommandType
    value: float | None = None


class CommandError(ValueError):
    """A client message that is not a valid command; carries the id to echo, when readable."""

    def __init__(self, message: str, command_id: Any = None) -> None:
        super().__init__(message)
        self.command_id = command_id


MAX_NUMBER_CHARS = 32


class _BadNumber(ValueError):
    """A number no command could mean."""


def _number(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _BadNumber(f"number {text[:12]}... is too long to be a command value")
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"number {text} is out of range")
    return int(text) if text.lstrip("-").isdigit() else value


def _constant(text: str) -> float:
    raise _BadNumber(f"{text} is not a number a command accepts")


def parse_command(text: str) -> Command:
    """Parse one client text message; raise CommandError with a readable reason on garbage."""
    try:
        # Numbers stay text until checked: a 5,000-digit integer or 1e400 is refused, not parsed.
        data = json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except (json.JSONDecodeError, RecursionError) as err:
        raise CommandError(f"not JSON: {err}") from err
    except _BadNumber as err:
        raise CommandError(str(err)) from None
    if not isinstance(data, dict):
        raise CommandError("a command must be a JSON object")
    command_id = data.get("id")
    if not isinstance(command_id, int | str | None) or isinstance(command_id, bool):
        command_id = None
    kind = data.get("type")
    if kind in ("pause", "resume", "ping"):
        return Command(command_id, kind)
    if kind == "set_sensitivity":
        value = data.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CommandError("set_sensitivity needs a numeric 'value'", command_id)
        if not 0.0 <= float(value) <= 1.0:
            raise CommandError("sensitivity must be between 0.0 and 1.0", command_id)
        return Command(command_id, "set_sensitivity", float(value))
    raise CommandError(f"unknown command type {kind!r}", command_id)
