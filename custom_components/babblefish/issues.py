"""Repair issues: monitor unreachable for long, protocol mismatch, model error, storage trouble."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import (
    DOMAIN,
    ISSUE_LABEL_STORE,
    ISSUE_MODEL_ERROR,
    ISSUE_PROTOCOL_MISMATCH,
    ISSUE_STORAGE_FULL,
    ISSUE_STORAGE_LOCKED,
    ISSUE_STORAGE_UNWRITABLE,
    ISSUE_TALLY_MOVED_ASIDE,
    ISSUE_UNREACHABLE,
)
from .protocol import PROTOCOL_VERSION
from .state_parts import Storage

# The monitor's storage statuses that need the parent's attention, each with its repair.
STORAGE_ISSUES = {
    "full": ISSUE_STORAGE_FULL,
    "locked": ISSUE_STORAGE_LOCKED,
    "read_only": ISSUE_STORAGE_UNWRITABLE,
    "io_error": ISSUE_STORAGE_UNWRITABLE,
}
ALL_KINDS = (
    ISSUE_UNREACHABLE,
    ISSUE_PROTOCOL_MISMATCH,
    ISSUE_MODEL_ERROR,
    ISSUE_STORAGE_FULL,
    ISSUE_STORAGE_LOCKED,
    ISSUE_STORAGE_UNWRITABLE,
    ISSUE_TALLY_MOVED_ASIDE,
    ISSUE_LABEL_STORE,
)


def issue_id(kind: str, entry: ConfigEntry) -> str:
    """One issue of each kind per monitor."""
    return f"{kind}_{entry.entry_id}"


@callback
def _async_raise(
    hass: HomeAssistant,
    entry: ConfigEntry,
    kind: str,
    placeholders: dict[str, str],
    severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
) -> None:
    """Show this monitor's issue of one kind; its text names the monitor."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry),
        is_fixable=False,
        severity=severity,
        translation_key=kind,
        translation_placeholders={"name": entry.title, **placeholders},
    )


@callback
def async_create_unreachable_issue(hass: HomeAssistant, entry: ConfigEntry, minutes: int) -> None:
    """The monitor has been away for a long time."""
    _async_raise(
        hass, entry, ISSUE_UNREACHABLE, {"minutes": str(minutes)}, ir.IssueSeverity.WARNING
    )


@callback
def async_create_protocol_issue(
    hass: HomeAssistant, entry: ConfigEntry, remote_version: int | None
) -> None:
    """The monitor speaks a protocol version this integration does not."""
    remote = "unknown" if remote_version is None else str(remote_version)
    _async_raise(
        hass, entry, ISSUE_PROTOCOL_MISMATCH, {"remote": remote, "local": str(PROTOCOL_VERSION)}
    )


@callback
def async_sync_model_issue(hass: HomeAssistant, entry: ConfigEntry, error: str | None) -> None:
    """Raise the model-error issue while the monitor reports one, and clear it when it is gone."""
    if error is None:
        async_delete_issue(hass, entry, ISSUE_MODEL_ERROR)
        return
    _async_raise(hass, entry, ISSUE_MODEL_ERROR, {"error": error})


@callback
def async_sync_storage_issues(hass: HomeAssistant, entry: ConfigEntry, storage: Storage) -> None:
    """Show the repair for the monitor's storage trouble while it lasts; clear the others."""
    active = STORAGE_ISSUES.get(storage.status)
    for kind in set(STORAGE_ISSUES.values()) - {active}:
        async_delete_issue(hass, entry, kind)
    if active is not None:
        unsaved = {
            "unsaved_episodes": str(storage.unsaved_episodes),
            "unsaved_seconds": str(round(storage.unsaved_seconds)),
        }
        _async_raise(hass, entry, active, {"error": storage.error or storage.status, **unsaved})
    # Detection and the tally go on either way, so a label database's trouble is a warning.
    if storage.labels_problem is None:
        async_delete_issue(hass, entry, ISSUE_LABEL_STORE)
    else:
        problem = {"problem": storage.labels_problem}
        _async_raise(hass, entry, ISSUE_LABEL_STORE, problem, ir.IssueSeverity.WARNING)
    if storage.moved_aside is None:
        async_delete_issue(hass, entry, ISSUE_TALLY_MOVED_ASIDE)
        return
    moved = {"file": storage.moved_aside, "reason": storage.moved_reason or "unknown"}
    _async_raise(hass, entry, ISSUE_TALLY_MOVED_ASIDE, moved, ir.IssueSeverity.WARNING)


@callback
def async_delete_issue(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """Clear one issue of this monitor."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_delete_all_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear every issue of this monitor (it was removed)."""
    for kind in ALL_KINDS:
        async_delete_issue(hass, entry, kind)
