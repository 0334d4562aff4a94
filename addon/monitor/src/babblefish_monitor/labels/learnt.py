"""What the monitor has learnt, as the panel and diagnostics show it."""

from __future__ import annotations

from typing import Any

from .adapt import FitReport
from .features import REPRESENTATION
from .store import Label


def learnt(
    r: FitReport,
    labels: list[Label],
    *,
    enabled: bool,
    active: bool,
    references: int,
    problem: str | None,
) -> dict[str, Any]:
    """The adaptation object of docs/protocol.md."""
    return {
        "status": r.status if enabled or r.status != "applied" else "undone",
        "enabled": enabled,
        "active": active and enabled,
        "reason": r.reason,
        "labels": len(labels),
        "false_alarms_labelled": sum(x.verdict == "not_crying" for x in labels),
        "cries_labelled": sum(x.verdict == "crying" for x in labels),
        "false_alarms_removed": r.false_alarms_removed,
        "false_alarms_used": r.false_alarms_total,
        "cries_checked": r.cries_checked,
        "cries_kept": r.cries_kept,
        "reference_cries": references,
        "missed_recovered": r.missed_recovered,
        "lost": r.lost,
        "radius": r.radius,
        "fit_ms": r.fit_ms,
        "representation": REPRESENTATION,
        "store_problem": problem,
    }
