"""Strict reading of wire objects: a missing key or a value of the wrong type is a protocol error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from .exceptions import BabblefishProtocolError

T = TypeVar("T")


def _is_number(value: object) -> bool:
    # JSON has one number type; a bool is not one even though Python says it is an int.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


class WireObject:
    """One JSON object from the monitor, read key by key; `where` names it in error messages."""

    def __init__(self, data: object, where: str) -> None:
        """Refuse anything that is not a JSON object."""
        if not isinstance(data, dict):
            raise BabblefishProtocolError(f"{where} should be an object, got {_describe(data)}")
        self._data: dict[str, Any] = data
        self.where = where

    def _read(
        self, key: str, check: Callable[[object], bool], expected: str, *, nullable: bool
    ) -> Any:
        if key not in self._data:
            raise BabblefishProtocolError(f"{self.where} has no {key!r}")
        value = self._data[key]
        if (value is None and nullable) or check(value):
            return value
        kind = f"{expected} or null" if nullable else expected
        raise BabblefishProtocolError(
            f"{self.where}.{key} should be {kind}, got {_describe(value)}"
        )

    def string(self, key: str) -> str:
        """A required string."""
        value: str = self._read(key, lambda v: isinstance(v, str), "a string", nullable=False)
        return value

    def optional_string(self, key: str) -> str | None:
        """A string that may be null (the key must still be there)."""
        value: str | None = self._read(key, lambda v: isinstance(v, str), "a string", nullable=True)
        return value

    def boolean(self, key: str) -> bool:
        """A required true/false."""
        value: bool = self._read(
            key, lambda v: isinstance(v, bool), "true or false", nullable=False
        )
        return value

    def integer(self, key: str) -> int:
        """A required whole number."""
        value: int = self._read(key, _is_integer, "a whole number", nullable=False)
        return value

    def optional_integer(self, key: str) -> int | None:
        """A whole number that may be null."""
        value: int | None = self._read(key, _is_integer, "a whole number", nullable=True)
        return value

    def number(self, key: str) -> float:
        """A required number."""
        return float(self._read(key, _is_number, "a number", nullable=False))

    def optional_number(self, key: str) -> float | None:
        """A number that may be null."""
        value = self._read(key, _is_number, "a number", nullable=True)
        return None if value is None else float(value)

    def timestamp(self, key: str) -> datetime:
        """A required ISO 8601 time with a UTC offset."""
        return self._timestamp(key, self.string(key))

    def optional_timestamp(self, key: str) -> datetime | None:
        """An ISO 8601 time that may be null."""
        text = self.optional_string(key)
        return None if text is None else self._timestamp(key, text)

    def _timestamp(self, key: str, text: str) -> datetime:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise BabblefishProtocolError(
                f"{self.where}.{key} should be an ISO 8601 time, got {_describe(text)}"
            ) from None
        if value.tzinfo is None:
            raise BabblefishProtocolError(
                f"{self.where}.{key} has no UTC offset: {_describe(text)}"
            )
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """A required list of strings."""
        items: list[str] = self._read(
            key,
            lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
            "a list of strings",
            nullable=False,
        )
        return tuple(items)

    def numbers_by_name(self, key: str) -> dict[str, float]:
        """A required object of names to numbers."""
        mapping: dict[str, Any] = self._read(
            key,
            lambda v: isinstance(v, dict) and all(_is_number(i) for i in v.values()),
            "an object of numbers",
            nullable=False,
        )
        return {str(name): float(value) for name, value in mapping.items()}

    def child(self, key: str) -> WireObject:
        """A required nested object."""
        return WireObject(
            self._read(key, lambda _: True, "", nullable=False), f"{self.where}.{key}"
        )

    def optional_child(self, key: str) -> WireObject | None:
        """A nested object that may be null."""
        value = self._read(key, lambda _: True, "", nullable=True)
        return None if value is None else WireObject(value, f"{self.where}.{key}")

    def children(self, key: str, build: Callable[[WireObject], T]) -> tuple[T, ...]:
        """A required list of objects, each built by `build`."""
        items: list[Any] = self._read(key, lambda v: isinstance(v, list), "a list", nullable=False)
        return tuple(
            build(WireObject(item, f"{self.where}.{key}[{index}]"))
            for index, item in enumerate(items)
        )
