"""The example automations in docs/integration.md run as written against the integration's entities."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from .conftest import settle, wait_state, wait_until
from .fake_monitor import FakeMonitor, load_fixture

DOC = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def _example_automations() -> dict[str, dict[str, Any]]:
    automations: dict[str, dict[str, Any]] = {}
    for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL):
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "automation" in data:
            for automation in data["automation"]:
                automations[automation["alias"]] = automation
    return automations


async def test_log_each_cry_example(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """ "Log each cry" logs once per ended cry (two in a row too), with minutes and confidence."""
    calls = async_mock_service(hass, "logbook", "log")
    example = _example_automations()["Log each cry"]
    assert await async_setup_component(hass, "automation", {"automation": [example]})
    await hass.async_block_till_done()

    await monitor.push(load_fixture("event_cry_started.json"))
    await settle(hass)
    assert calls == []
    for count in (1, 2):
        await monitor.push(load_fixture("event_cry_ended.json"))
        await wait_until(lambda count=count: len(calls) == count)
        await settle(hass)
    assert [call.data["message"] for call in calls] == [
        "cried for 1.6 min (peak confidence 98 %)",
        "cried for 1.6 min (peak confidence 98 %)",
    ]


async def test_pause_while_occupied_example(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The occupancy example pauses and resumes detection on the monitor."""
    hass.states.async_set("binary_sensor.nursery_occupancy", "off")
    example = _example_automations()["Pause the monitor while we are in the nursery"]
    assert await async_setup_component(hass, "automation", {"automation": [example]})
    await hass.async_block_till_done()
    hass.states.async_set("binary_sensor.nursery_occupancy", "on")
    await wait_state(hass, "switch.nursery_detection", "off")
    hass.states.async_set("binary_sensor.nursery_occupancy", "off")
    await wait_state(hass, "switch.nursery_detection", "on")
    assert [c["type"] for c in monitor.commands] == ["pause", "resume"]
