"""Label requests from the panel, checked: the verdict, the model label, the note and the moment."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from .errors import LabelError
from .store import VERDICTS, Verdict

MAX_NOTE = 200


def check_request(
    verdict: object, what: object, note: object, labels: list[str]
) -> tuple[Verdict, str | None, str | None]:
    """The verdict, one of the model's `labels` (or None) and the stripped note, or a LabelError."""
    if verdict not in VERDICTS:
        raise LabelError(f"verdict must be 'crying' or 'not_crying', got {verdict!r}")
    if what is not None and what not in labels:
        raise LabelError(
            f"unknown label {what!r}: the model knows {', '.join(labels) or 'no labels'}"
            " (put anything else in the note)",
            400,
            "unknown_label",
        )
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise LabelError(f"note must be text of at most {MAX_NOTE} characters")
    return verdict, what, (note.strip() or None) if isinstance(note, str) else None


def parse_moment(text: object, tz: tzinfo) -> datetime:
    """An ISO time from the panel; naive times are in the monitor's zone."""
    if not isinstance(text, str):
        raise LabelError("'at' must be an ISO 8601 time, e.g. 2026-12-01T02:10:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise LabelError(f"'at' is not an ISO 8601 time: {text!r}") from err
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(UTC)
