"""The monitor's storage trouble becomes a repair issue in Home Assistant, and clears itself."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import DOMAIN

from .conftest import wait_issue, wait_until
from .fake_monitor import FakeMonitor, load_fixture


def _state_with_storage(**storage: Any) -> dict[str, Any]:
    state = load_fixture("state.json")
    state["storage"].update(storage)
    return state


async def _restart_with(monitor: FakeMonitor, state: dict[str, Any]) -> None:
    """The monitor starts again and reports `state` from its first snapshot."""
    monitor.state = state
    await monitor.drop()
    await monitor.start()


def _storage_issues(registry: ir.IssueRegistry) -> set[str]:
    """The translation keys of the open storage repairs."""
    return {
        issue.translation_key or ""
        for (domain, _), issue in registry.issues.items()
        if domain == DOMAIN and issue.translation_key != "unreachable"
    }


async def _issue_shown(
    registry: ir.IssueRegistry, issue_id: str, severity: ir.IssueSeverity, **placeholders: str
) -> None:
    """Wait for the repair `issue_id` and check its severity and the words it shows."""
    issue = await wait_issue(registry, issue_id)
    assert issue.severity is severity
    assert issue.translation_placeholders == {"name": "Nursery", **placeholders}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("full", "storage_full"),
        ("locked", "storage_locked"),
        ("read_only", "storage_unwritable"),
        ("io_error", "storage_unwritable"),
    ],
)
async def test_storage_status_raises_its_issue_and_ok_clears_it(
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
    status: str,
    kind: str,
) -> None:
    """Each storage status has its own repair, with the monitor's words and what is unsaved."""
    issue_id = f"{kind}_{init_integration.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    state = _state_with_storage(
        status=status, error="database or disk is full", unsaved_episodes=2, unsaved_seconds=41.6
    )
    await monitor.push_state(state)
    await _issue_shown(
        issue_registry,
        issue_id,
        ir.IssueSeverity.ERROR,
        error="database or disk is full",
        unsaved_episodes="2",
        unsaved_seconds="42",
    )
    assert _storage_issues(issue_registry) == {kind}
    await monitor.push_state(load_fixture("state.json"))
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
    assert _storage_issues(issue_registry) == set()


async def test_a_new_storage_status_replaces_the_old_issue(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Locked, then full: only the current trouble is shown."""
    await monitor.push_state(_state_with_storage(status="locked", error="database is locked"))
    await wait_until(lambda: _storage_issues(issue_registry) == {"storage_locked"})
    await monitor.push_state(_state_with_storage(status="full", error="disk full"))
    await wait_until(lambda: _storage_issues(issue_registry) == {"storage_full"})


async def test_tally_moved_aside_is_reported_with_its_file(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A damaged tally moved aside at start names the file; a start without it clears the issue."""
    issue_id = f"tally_moved_aside_{init_integration.entry_id}"
    state = _state_with_storage(
        moved_aside="tally.db.corrupt-20261201T030000", moved_reason="quick_check failed"
    )
    await _restart_with(monitor, state)
    await _issue_shown(
        issue_registry,
        issue_id,
        ir.IssueSeverity.WARNING,
        file="tally.db.corrupt-20261201T030000",
        reason="quick_check failed",
    )
    await _restart_with(monitor, load_fixture("state.json"))
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)


async def test_storage_trouble_at_setup_is_shown_and_removal_clears_it(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The first snapshot already raises the issue; removing the monitor removes it."""
    monitor.state = _state_with_storage(status="read_only", error="read-only file system")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    issue_id = f"storage_unwritable_{mock_config_entry.entry_id}"
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id))
    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_label_database_problem_is_a_warning_until_the_monitor_starts_without_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The monitor's sentence about its label database is shown as it is; a start with a working
    database clears it, and the tally's own repairs stay out of it."""
    issue_id = f"label_store_{init_integration.entry_id}"
    problem = "the label database was unreadable (file is not a database); it was moved aside"
    await _restart_with(monitor, _state_with_storage(labels_problem=problem))
    await _issue_shown(issue_registry, issue_id, ir.IssueSeverity.WARNING, problem=problem)
    assert _storage_issues(issue_registry) == {"label_store"}
    await _restart_with(monitor, load_fixture("state.json"))
    await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
