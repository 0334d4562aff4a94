"""Wire models: frozen dataclasses read field by field, each field's type choosing its strict reader."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, Self, TypeVar

from .wire import WireObject

T = TypeVar("T")
Reader = Callable[[WireObject, str], Any]

# A field's wire key is its name unless its metadata says otherwise: field(metadata=wire_key("id")).
WIRE_KEY = "wire_key"

_REQUIRED: dict[object, Reader] = {
    str: WireObject.string,
    bool: WireObject.boolean,
    int: WireObject.integer,
    float: WireObject.number,
    datetime: WireObject.timestamp,
    tuple[str, ...]: WireObject.strings,
    frozenset[str]: lambda data, key: frozenset(data.strings(key)),
    dict[str, float]: WireObject.numbers_by_name,
}
_NULLABLE: dict[object, Reader] = {
    str: WireObject.optional_string,
    int: WireObject.optional_integer,
    float: WireObject.optional_number,
    datetime: WireObject.optional_timestamp,
}


def wire_key(key: str) -> dict[str, str]:
    """Field metadata for a field whose wire key is not its name."""
    return {WIRE_KEY: key}


def _nested(model: type[WireModel], nullable: bool) -> Reader:
    if nullable:
        return lambda d, k: None if (child := d.optional_child(k)) is None else model.read(child)
    return lambda d, k: model.read(d.child(k))


def _reader(hint: object) -> Reader:
    """The strict reader for a field annotated `hint` (`X | None`: the value may be null)."""
    args = typing.get_args(hint)
    nullable = typing.get_origin(hint) in {types.UnionType, typing.Union} and type(None) in args
    if nullable:
        (hint,) = (arg for arg in args if arg is not type(None))
    readers = _NULLABLE if nullable else _REQUIRED
    if hint in readers:
        return readers[hint]
    if isinstance(hint, type) and issubclass(hint, WireModel):
        return _nested(hint, nullable)
    item = typing.get_args(hint)[0] if typing.get_origin(hint) is tuple else None
    if isinstance(item, type) and issubclass(item, WireModel) and not nullable:
        return lambda d, k: d.children(k, item.read)
    return _unreadable(hint)


def _unreadable(hint: object) -> Reader:
    # Raised only if read: a field the model's `read` is always given (an event's name) is fine.
    def read(data: WireObject, key: str) -> Any:
        raise TypeError(f"no wire reader for {data.where}.{key} of type {hint!r}")

    return read


_FIELDS: dict[type, tuple[tuple[str, str, Reader], ...]] = {}


def _fields(model: type) -> tuple[tuple[str, str, Reader], ...]:
    """(field name, wire key, reader) of every field of the dataclass `model`, in order."""
    if model not in _FIELDS:
        hints = typing.get_type_hints(model)
        _FIELDS[model] = tuple(
            (f.name, f.metadata.get(WIRE_KEY, f.name), _reader(hints[f.name]))
            for f in dataclasses.fields(model)
        )
    return _FIELDS[model]


def read_fields(model: type[T], data: WireObject, **given: Any) -> T:
    """Build `model` from `data`, reading every field not `given` from its wire key.

    A missing key or a value of the wrong type is a protocol error that names the key.
    """
    values = {name: read(data, key) for name, key, read in _fields(model) if name not in given}
    build: Callable[..., T] = model
    return build(**values, **given)


class WireModel:
    """A frozen dataclass of the wire protocol whose `read` takes each field by its type."""

    __slots__ = ()

    @classmethod
    def read(cls, data: WireObject) -> Self:
        """Build from the wire object `data` (see `read_fields`)."""
        return read_fields(cls, data)
