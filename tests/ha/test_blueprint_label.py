"""The notify blueprint's "Not crying" button, end to end: the monitor's episode gets the label."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from .conftest import wait_until
from .fake_monitor import FakeMonitor, load_fixture

CRYING = "binary_sensor.nursery_crying"
INPUTS = {"crying_sensor": CRYING, "notify_action": "notify.test_phone", "min_duration": 0}


async def _notify_automation(hass: HomeAssistant, **inputs: Any) -> list[ServiceCall]:
    """The blueprint the integration installed, as one automation; returns the phone's calls."""
    calls = async_mock_service(hass, "notify", "test_phone")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "alias": "notify",
                    "use_blueprint": {
                        "path": "babblefish/notify_on_crying.yaml",
                        "input": {**INPUTS, **inputs},
                    },
                }
            ]
        },
    )
    await hass.async_block_till_done()
    return calls


def _ended(state: dict[str, Any]) -> dict[str, Any]:
    """The crying state once episode 4 has ended."""
    done = copy.deepcopy(state)
    done["crying"] = False
    done["last_episode"]["end"] = "2026-11-20T09:32:40+00:00"
    done["last_episode"]["duration_s"] = 97.5
    return done


async def _notified(
    hass: HomeAssistant, monitor: FakeMonitor, **inputs: Any
) -> tuple[list[ServiceCall], dict[str, Any]]:
    """Episode 4 starts; returns the phone's calls once it is notified, and the crying state."""
    calls = await _notify_automation(hass, **inputs)
    await monitor.push(load_fixture("event_cry_started.json"))
    crying = load_fixture("state_crying.json")
    await monitor.push_state(crying)
    await _crying_is(hass, "on")
    await wait_until(lambda: calls)
    return calls, crying


async def _crying_is(hass: HomeAssistant, state: str) -> None:
    # Not wait_state: its async_block_till_done would wait for the run that waits for the tap.
    await wait_until(lambda: (now := hass.states.get(CRYING)) is not None and now.state == state)


async def _let_run(hass: HomeAssistant) -> None:
    """Let the automation's waiting run handle what just happened (it never blocks till done)."""
    for _ in range(50):
        await asyncio.sleep(0)


def _tap(hass: HomeAssistant, action: str) -> None:
    hass.bus.async_fire("mobile_app_notification_action", {"action": action})


async def test_not_crying_labels_the_announced_episode_once_it_ends(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    calls, crying = await _notified(hass, monitor)
    actions = calls[0].data["data"]["actions"]
    not_crying = f"BABBLEFISH_NOT_CRYING_{init_integration.entry_id}_4"
    assert [a["action"] for a in actions] == ["BABBLEFISH_ON_MY_WAY", not_crying, "URI"]
    assert actions[1]["title"] == "Not crying"

    _tap(hass, not_crying)
    await wait_until(lambda: calls[-1].data["message"] == "clear_notification")
    # Still crying: the monitor would refuse a label on a running episode, so none is sent yet.
    await _let_run(hass)
    assert monitor.labels == []

    await monitor.push(load_fixture("event_cry_ended.json"))
    await monitor.push_state(_ended(crying))
    await wait_until(lambda: monitor.labels)
    assert monitor.labels == [{"episode_id": 4, "verdict": "not_crying"}]


async def test_on_my_way_labels_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    calls, crying = await _notified(hass, monitor)
    _tap(hass, "BABBLEFISH_ON_MY_WAY")
    await wait_until(lambda: calls[-1].data["message"] == "clear_notification")
    await monitor.push_state(_ended(crying))
    await _crying_is(hass, "off")
    await _let_run(hass)
    assert monitor.labels == []
    assert [c.data["message"] for c in calls].count("clear_notification") == 1


def _second_cry(first: dict[str, Any]) -> dict[str, Any]:
    """Episode 5 running, a little after episode 4 ended."""
    second = copy.deepcopy(first)
    second["episodes_today"] = 5
    second["last_episode"] = {
        "id": 5,
        "start": "2026-11-20T09:40:00+00:00",
        "end": None,
        "duration_s": 31.0,
        "peak_score": 0.95,
    }
    return second


async def test_a_tap_on_an_earlier_notification_labels_its_own_episode(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Cry 4 is notified and ends; cry 5 restarts the run and is notified; the parent then taps
    "Not crying" on cry 4's notification: cry 4 is labelled, cry 5 is not, and cry 5's
    notification (same tag) is left on the phones."""
    # No cool-down: the second cry comes seconds later here, not after ten minutes.
    calls, crying = await _notified(hass, monitor, cooldown=0)
    await monitor.push(load_fixture("event_cry_ended.json"))
    await monitor.push_state(_ended(crying))
    await _crying_is(hass, "off")
    monitor.history["episodes"].insert(0, _ended(crying)["last_episode"])  # as the monitor keeps it

    started = load_fixture("event_cry_started.json")
    started["data"].update(id=5, start="2026-11-20T09:40:00+00:00")
    await monitor.push(started)
    await monitor.push_state(_second_cry(crying))
    await wait_until(lambda: len(calls) == 2)
    second = [a["action"] for a in calls[1].data["data"]["actions"]]
    assert second[1] == f"BABBLEFISH_NOT_CRYING_{init_integration.entry_id}_5"

    _tap(hass, f"BABBLEFISH_NOT_CRYING_{init_integration.entry_id}_4")
    await wait_until(lambda: monitor.labels)
    assert monitor.labels == [{"episode_id": 4, "verdict": "not_crying"}]
    await _let_run(hass)
    assert [c.data["message"] for c in calls].count("clear_notification") == 0


async def test_a_tap_for_another_monitor_labels_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monitor: FakeMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Episode numbers repeat across monitors: a button naming another (or a removed) monitor
    leaves this one's episode alone, and says so in the log."""
    await monitor.push_state(_ended(load_fixture("state_crying.json")))
    _tap(hass, "BABBLEFISH_NOT_CRYING_01JOTHERMONITOR_4")
    _tap(hass, f"BABBLEFISH_NOT_CRYING_{init_integration.entry_id}_four")
    await hass.async_block_till_done()
    assert monitor.labels == []
    assert "names monitor 01JOTHERMONITOR, which is not loaded" in caplog.text
