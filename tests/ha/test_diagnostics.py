"""The diagnostics download, through Home Assistant's HTTP API, with the token redacted."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from .fake_monitor import FakeMonitor


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Entry, connection, info and state; the token never appears."""
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    assert "test-token" not in str(diagnostics)
    diagnostics["entry"]["data"]["port"] = "<loopback port>"
    assert diagnostics == snapshot


async def test_diagnostics_say_why_a_correction_was_refused(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
) -> None:
    """Asked at download time: a refusal comes with the monitor's reason and the cries it would lose."""
    monitor.adaptation.update(
        status="refused",
        active=False,
        reason="would lose 1 of 4 confirmed cries",
        false_alarms_removed=3,
        cries_kept=3,
        cries_checked=4,
        lost=["confirmed cry at 02:10 (episode 7)"],
    )
    adaptation = (await get_diagnostics_for_config_entry(hass, hass_client, init_integration))[
        "adaptation"
    ]
    assert (adaptation["status"], adaptation["active"]) == ("refused", False)
    assert adaptation["reason"] == "would lose 1 of 4 confirmed cries"
    assert (adaptation["false_alarms_removed"], adaptation["cries_kept"]) == (3, 3)
    assert adaptation["lost"] == ["confirmed cry at 02:10 (episode 7)"]


async def test_diagnostics_download_even_when_the_monitor_cannot_answer(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
) -> None:
    """The adaptation part names what went wrong; the entry, info and state are still there."""
    monitor.http_status = 500
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert "answered 500" in diagnostics["adaptation"]["error"]
    assert diagnostics["info"]["name"] == "Nursery"
