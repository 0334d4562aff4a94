"""The notify blueprint's "Not crying" button, end to end: the monitor's episode gets the label."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from .conftest import wait_until
from .fake_monitor import FakeMonitor, load_fixture

CRYING = "binary_sensor.nursery_crying"
INPUTS = {"crying_sensor": CRYING, "notify_action": "notify.test_phone", "min_duration": 0}


async def _notify_automation(hass: HomeAssistant) -> list[ServiceCall]:
    """The blueprint the integration installed, as one automation; returns the phone's calls."""
    calls = async_mock_service(hass, "notify", "test_phone")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "alias": "notify",
                    "use_blueprint": {"path": "babblefish/notify_on_crying.yaml", "input": INPUTS},
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
    hass: HomeAssistant, monitor: FakeMonitor
) -> tuple[list[ServiceCall], dict[str, Any]]:
    """Episode 4 starts; returns the phone's calls once it is notified, and the crying state."""
    calls = await _notify_automation(hass)
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
    assert [a["action"] for a in actions] == [
        "BABBLEFISH_ON_MY_WAY",
        "BABBLEFISH_NOT_CRYING_4",
        "URI",
    ]
    assert actions[1]["title"] == "Not crying"

    _tap(hass, "BABBLEFISH_NOT_CRYING_4")
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
    _tap(hass, "BABBLEFISH_NOT_CRYING_3")  # another episode's button: ignored
    _tap(hass, "BABBLEFISH_ON_MY_WAY")
    await wait_until(lambda: calls[-1].data["message"] == "clear_notification")
    await monitor.push_state(_ended(crying))
    await _crying_is(hass, "off")
    await _let_run(hass)
    assert monitor.labels == []
    assert [c.data["message"] for c in calls].count("clear_notification") == 1
