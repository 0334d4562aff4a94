"""Repair issues: monitor unreachable for long, protocol mismatch, model error, storage trouble."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import (
    DOMAIN,
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
)


def issue_id(kind: str, entry: ConfigEntry) -> str:
    """One issue of each kind per monitor."""
    return f"{kind}_{entry.entry_id}"


@callback
def async_create_unreachable_issue(hass: HomeAssistant, entry: ConfigEntry, minutes: int) -> None:
    """The monitor has been away for a long time."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_UNREACHABLE, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_UNREACHABLE,
        translation_placeholders={"name": entry.title, "minutes": str(minutes)},
    )


@callback
def async_create_protocol_issue(
    hass: HomeAssistant, entry: ConfigEntry, remote_version: int | None
) -> None:
    """The monitor speaks a protocol version this integration does not."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_PROTOCOL_MISMATCH, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_PROTOCOL_MISMATCH,
        translation_placeholders={
            "name": entry.title,
            "remote": "unknown" if remote_version is None else str(remote_version),
            "local": str(PROTOCOL_VERSION),
        },
    )


@callback
def async_sync_model_issue(hass: HomeAssistant, entry: ConfigEntry, error: str | None) -> None:
    """Raise the model-error issue while the monitor reports one, and clear it when it is gone."""
    if error is None:
        ir.async_delete_issue(hass, DOMAIN, issue_id(ISSUE_MODEL_ERROR, entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_MODEL_ERROR, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_MODEL_ERROR,
        translation_placeholders={"name": entry.title, "error": error},
    )


@callback
def async_sync_storage_issues(hass: HomeAssistant, entry: ConfigEntry, storage: Storage) -> None:
    """Show the repair for the monitor's storage trouble while it lasts; clear the others."""
    active = STORAGE_ISSUES.get(storage.status)
    for kind in set(STORAGE_ISSUES.values()) - {active}:
        async_delete_issue(hass, entry, kind)
    if active is not None:
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id(active, entry),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=active,
            translation_placeholders={
                "name": entry.title,
                "error": storage.error or storage.status,
                "unsaved_episodes": str(storage.unsaved_episodes),
                "unsaved_seconds": str(round(storage.unsaved_seconds)),
            },
        )
    if storage.moved_aside is None:
        async_delete_issue(hass, entry, ISSUE_TALLY_MOVED_ASIDE)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(ISSUE_TALLY_MOVED_ASIDE, entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_TALLY_MOVED_ASIDE,
        translation_placeholders={
            "name": entry.title,
            "file": storage.moved_aside,
            "reason": storage.moved_reason or "unknown",
        },
    )


@callback
def async_delete_issue(hass: HomeAssistant, entry: ConfigEntry, kind: str) -> None:
    """Clear one issue of this monitor."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry))


@callback
def async_delete_all_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear every issue of this monitor (it was removed)."""
    for kind in ALL_KINDS:
        async_delete_issue(hass, entry, kind)
