"""What the monitor has learnt from the parent's labels (`GET /api/v1/adaptation`), for diagnostics."""

from __future__ import annotations

from dataclasses import dataclass

from .wire_model import WireModel


@dataclass(frozen=True, slots=True)
class Adaptation(WireModel):
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
