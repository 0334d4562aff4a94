"""Strict parsing: every payload the fixtures hold reads, and any key missing or mistyped is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from custom_components.babblefish.api import parse_message
from custom_components.babblefish.exceptions import BabblefishProtocolError
from custom_components.babblefish.models import (
    CommandResult,
    CryEvent,
    Info,
    State,
)
from custom_components.babblefish.wire import WireObject
from custom_components.babblefish.wire_model import WireModel

from .wire_cases import ROUTE_READERS, broken_payloads

FIXTURES = Path(__file__).resolve().parents[1] / "ha" / "fixtures"


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


READERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "info.json": ROUTE_READERS["info"],
    "state.json": ROUTE_READERS["state"],
    "state_crying.json": ROUTE_READERS["state"],
    "history.json": ROUTE_READERS["history"],
    "adaptation.json": ROUTE_READERS["adaptation"],
    "event_cry_started.json": parse_message,
    "event_cry_ended.json": parse_message,
}

CASES = [
    pytest.param(name, case, id=f"{name}:{case.what}")
    for name in READERS
    for case in broken_payloads(_fixture(name), keep=frozenset({"type"}))
]


@pytest.mark.parametrize("name", list(READERS))
def test_fixtures_read(name: str) -> None:
    """Each fixture payload is read whole (the baseline the broken copies differ from)."""
    assert READERS[name](_fixture(name)) is not None


@pytest.mark.parametrize(("name", "case"), CASES)
def test_broken_payload_is_a_protocol_error(name: str, case: Any) -> None:
    """A renamed, dropped or mistyped key fails loudly, naming the key, instead of defaulting."""
    with pytest.raises(BabblefishProtocolError) as err:
        READERS[name](case.payload)
    assert case.key in str(err.value)


def test_values_read_as_sent() -> None:
    """Nothing is rewritten on the way in: numbers stay numbers, times keep their offset."""
    state = State.read(WireObject(_fixture("state_crying.json"), "state"))
    assert state.crying is True
    assert state.paused is False
    assert state.episodes_today == 4
    assert state.last_episode is not None
    assert state.last_episode.end is None
    assert state.updated_at.utcoffset() is not None
    assert state.source.name == "pulse:default"
    event = parse_message(_fixture("event_cry_started.json"))
    assert isinstance(event, CryEvent)
    assert event.stream_time == 123.5


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({**_fixture("state.json"), "updated_at": "2026-11-20T09:30:00"}, "no UTC offset"),
        ({**_fixture("state.json"), "updated_at": "yesterday"}, "ISO 8601"),
        ({**_fixture("state.json"), "episodes_today": True}, "whole number"),
        ({**_fixture("state.json"), "cry_minutes_today": False}, "a number"),
        ({**_fixture("state.json"), "episodes_today": 3.5}, "whole number"),
    ],
)
def test_values_json_would_blur(payload: dict[str, Any], message: str) -> None:
    """Booleans are not numbers, fractions are not counts, times need their zone."""
    with pytest.raises(BabblefishProtocolError, match=message):
        State.read(WireObject(payload, "state"))


def test_messages() -> None:
    """Results read; unknown message types and events are skipped for forward compatibility."""
    assert parse_message({"type": "result", "id": 3, "success": False, "error": "x"}) == (
        CommandResult(id=3, success=False, error="x")
    )
    assert parse_message({"type": "future_thing"}) is None
    assert parse_message({"type": "event", "event": "cry_paused", "data": {}}) is None
    with pytest.raises(BabblefishProtocolError, match="has no 'type'"):
        parse_message({"state": {}})
    with pytest.raises(BabblefishProtocolError, match="should be an object"):
        parse_message([1, 2])
    with pytest.raises(BabblefishProtocolError) as err:
        parse_message({"type": "hello", "protocol_version": 7, "info": {}, "state": {}})
    assert err.value.remote_version == 7
    with pytest.raises(BabblefishProtocolError) as err:
        Info.read(WireObject({**_fixture("info.json"), "protocol_version": 2}, "info"))
    assert err.value.remote_version == 2


def test_a_field_of_a_type_with_no_wire_reader_is_refused_when_read() -> None:
    """A model field the wire cannot fill is a programming error that names the field."""

    @dataclass(frozen=True)
    class Odd(WireModel):
        counts: list[int]

    with pytest.raises(TypeError, match=r"odd\.counts"):
        Odd.read(WireObject({"counts": [1]}, "odd"))
