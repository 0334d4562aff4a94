"""Broken copies of a wire payload: each key removed, each value swapped for one of another type."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from custom_components.babblefish.adaptation import Adaptation
from custom_components.babblefish.models import History, Info, State
from custom_components.babblefish.wire import WireObject

# How the client reads each GET route's answer.
ROUTE_READERS: dict[str, Callable[[Any], object]] = {
    "info": lambda payload: Info.read(WireObject(payload, "info")),
    "state": lambda payload: State.read(WireObject(payload, "state")),
    "history": lambda payload: History.read(WireObject(payload, "history")),
    "adaptation": lambda payload: Adaptation.read(WireObject(payload, "adaptation")),
}

# Keys chosen by the model (its labels), not by the protocol: any name may come or go.
FREE_KEYS = frozenset({"scores"})


@dataclass(frozen=True)
class BrokenPayload:
    """A payload with one thing wrong, and the key an honest error message must name."""

    what: str
    key: str
    payload: Any


def _wrong_type(value: Any) -> Any:
    """A value of another JSON type than `value`, so no reader could accept both."""
    match value:
        case bool():
            return "true"
        case int() | float():
            return "1"
        case str():
            return 42
        case list():
            return {"a": 1}
        case dict():
            return "x"
        case _:
            return [1]


def _paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            if key not in FREE_KEYS:
                yield from _paths(item, (*path, key))
    elif isinstance(value, list) and value:
        yield (*path, 0)
        yield from _paths(value[0], (*path, 0))


def _parent(payload: Any, path: tuple[str | int, ...]) -> Any:
    for step in path[:-1]:
        payload = payload[step]
    return payload


def broken_payloads(
    payload: dict[str, Any], *, keep: frozenset[str] = frozenset()
) -> Iterator[BrokenPayload]:
    """Every removal of a key and every mistyping of a value (or list item) in `payload`.

    `keep` names top-level keys that are not the reader's to check (a message's `type`).
    """
    for path in _paths(payload):
        if path[0] in keep:
            continue
        named = next(str(step) for step in reversed(path) if isinstance(step, str))
        where = ".".join(str(step) for step in path)
        if isinstance(path[-1], str):
            missing = copy.deepcopy(payload)
            del _parent(missing, path)[path[-1]]
            yield BrokenPayload(f"{where} missing", named, missing)
        mistyped = copy.deepcopy(payload)
        parent = _parent(mistyped, path)
        parent[path[-1]] = _wrong_type(parent[path[-1]])
        yield BrokenPayload(f"{where} mistyped", named, mistyped)
