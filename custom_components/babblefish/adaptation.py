"""What the monitor has learnt from the parent's labels (`GET /api/v1/adaptation`), for diagnostics."""

from __future__ import annotations

from dataclasses import dataclass

from .wire import WireObject


@dataclass(frozen=True, slots=True)
class Adaptation:
    """The per-home correction: whether it is applied or refused and why, and what it was checked on."""

    status: str
    enabled: bool
    active: bool
    reason: str
    labels: int
    false_alarms_labelled: int
    cries_labelled: int
    false_alarms_used: int
    false_alarms_removed: int
    cries_checked: int
    cries_kept: int
    reference_cries: int
    missed_recovered: int
    lost: tuple[str, ...]
    radius: float | None
    fit_ms: float
    representation: str
    store_problem: str | None

    @classmethod
    def read(cls, data: WireObject) -> Adaptation:
        """Build from the adaptation object."""
        return cls(
            status=data.string("status"),
            enabled=data.boolean("enabled"),
            active=data.boolean("active"),
            reason=data.string("reason"),
            labels=data.integer("labels"),
            false_alarms_labelled=data.integer("false_alarms_labelled"),
            cries_labelled=data.integer("cries_labelled"),
            false_alarms_used=data.integer("false_alarms_used"),
            false_alarms_removed=data.integer("false_alarms_removed"),
            cries_checked=data.integer("cries_checked"),
            cries_kept=data.integer("cries_kept"),
            reference_cries=data.integer("reference_cries"),
            missed_recovered=data.integer("missed_recovered"),
            lost=data.strings("lost"),
            radius=data.optional_number("radius"),
            fit_ms=data.number("fit_ms"),
            representation=data.string("representation"),
            store_problem=data.optional_string("store_problem"),
        )
