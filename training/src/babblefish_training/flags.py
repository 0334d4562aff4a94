"""Command-line flags generated from an options dataclass, so each default is written once."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Flag:
    """Marks a dataclass field as a flag (`Annotated[T, Flag(...)]`): a one-sentence help, the
    flag's name (default: from the field's), how to show its default when the value alone would
    not say it (`shown`) and any further `add_argument` keywords."""

    help: str
    name: str | None = None
    shown: str | None = None
    argparse: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __init__(
        self, help: str, *, name: str | None = None, shown: str | None = None, **argparse: Any
    ) -> None:
        object.__setattr__(self, "help", help)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "shown", shown)
        object.__setattr__(self, "argparse", argparse)


def option_flags(options: type[Any]) -> list[tuple[dataclasses.Field[Any], Flag]]:
    """The fields of `options` that are flags, each with its `Flag`."""
    hints = typing.get_type_hints(options, include_extras=True)
    found = []
    for field in dataclasses.fields(options):
        marks = [m for m in getattr(hints[field.name], "__metadata__", ()) if isinstance(m, Flag)]
        if marks:
            found.append((field, marks[0]))
    return found


def flag_name(field: dataclasses.Field[Any], flag: Flag) -> str:
    """The flag as typed: `--name`, or the field's name with dashes."""
    return flag.name or "--" + field.name.replace("_", "-")


def _help(field: dataclasses.Field[Any], flag: Flag) -> str:
    missing = dataclasses.MISSING
    if field.default is missing and field.default_factory is missing:
        suffix = "Required."
    else:
        shown = (
            ("off" if field.default is False else field.default)
            if flag.shown is None
            else flag.shown
        )
        suffix = f"Default: {shown}."
    if "choices" in flag.argparse:
        suffix = f"One of {', '.join(flag.argparse['choices'])}. {suffix}"
    return f"{flag.help} {suffix}".replace("%", "%%")


def add_option_flags(parser: argparse.ArgumentParser, options: type[Any]) -> None:
    """One flag per `Flag` field of `options`, its help ending with the dataclass default.

    The argparse default is None: a flag left out is left out of the options, so the
    dataclass default applies and lives only there.
    """
    for field, flag in option_flags(options):
        kwargs = dict(flag.argparse)
        missing = dataclasses.MISSING
        if field.default is missing and field.default_factory is missing:
            kwargs["required"] = True
        if isinstance(field.default, bool):
            kwargs.setdefault("action", "store_true")
        elif (
            "type" not in kwargs and "action" not in kwargs and field.default not in (None, missing)
        ):
            kwargs["type"] = type(field.default)
        parser.add_argument(
            flag_name(field, flag), dest=field.name, default=None, help=_help(field, flag), **kwargs
        )


def options_from_args(args: argparse.Namespace, options: type[Any]) -> dict[str, Any]:
    """The fields the command line set (a flag left out keeps the dataclass default)."""
    given: dict[str, Any] = {}
    for field, _ in option_flags(options):
        value = getattr(args, field.name, None)
        if value is not None and value is not False:
            given[field.name] = value
    return given
