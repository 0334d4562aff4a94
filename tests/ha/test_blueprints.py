"""The blueprints, loaded through Home Assistant's blueprint machinery and run on real state changes."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.helpers import async_get_blueprints
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed, async_mock_service

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints" / "automation" / "babblefish"
CRYING = "binary_sensor.nursery_crying"


@pytest.fixture(autouse=True)
async def blueprints_in_config(hass: HomeAssistant, tmp_path: Path) -> None:
    """Install the repository's blueprints where Home Assistant looks for them."""
    hass.config.config_dir = str(tmp_path)
    await hass.config.async_set_time_zone("UTC")
    shutil.copytree(BLUEPRINTS, hass.config.path("blueprints/automation/babblefish"))
    hass.states.async_set(CRYING, "off")


async def _automation(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    name = path.rsplit("/", maxsplit=1)[-1].removesuffix(".yaml")
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": [{"alias": name, "use_blueprint": {"path": path, "input": inputs}}]},
    )
    await hass.async_block_till_done()
    state = hass.states.get(f"automation.{name}")
    assert state is not None
    assert state.state == "on"


async def _light_automation(hass: HomeAssistant, inputs: dict[str, Any]) -> list[ServiceCall]:
    """The light blueprint set up over mocked light services; returns the turn_off calls."""
    async_mock_service(hass, "light", "turn_on")
    off_calls: list[ServiceCall] = async_mock_service(hass, "light", "turn_off")
    await _automation(hass, "babblefish/light_on_crying.yaml", inputs)
    return off_calls


async def _crying_is(hass: HomeAssistant, *states: str) -> None:
    """The Crying sensor goes through `states` in turn, each handled before the next."""
    for state in states:
        hass.states.async_set(CRYING, state)
        await hass.async_block_till_done()


async def _settle(hass: HomeAssistant) -> None:
    # Not async_block_till_done: a notification run waits (for "On my way") as a tracked task.
    for _ in range(20):
        await asyncio.sleep(0)


async def _advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, **delta: float) -> None:
    freezer.tick(timedelta(**delta))
    async_fire_time_changed(hass)
    await _settle(hass)


async def _cry(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    hass.states.async_set(CRYING, "on")
    await _settle(hass)
    await _advance(hass, freezer, seconds=seconds)
    hass.states.async_set(CRYING, "off")
    await _settle(hass)


async def _on_my_way(hass: HomeAssistant) -> None:
    hass.bus.async_fire("mobile_app_notification_action", {"action": "BABBLEFISH_ON_MY_WAY"})
    await hass.async_block_till_done()


def _notifications(calls: list[ServiceCall]) -> list[ServiceCall]:
    return [call for call in calls if call.data["message"] != "clear_notification"]


async def test_blueprints_validate(hass: HomeAssistant) -> None:
    """Both files load as automation blueprints with their inputs."""
    blueprints = async_get_blueprints(hass)
    for name in ("notify_on_crying.yaml", "light_on_crying.yaml"):
        blueprint = await blueprints.async_get_blueprint(f"babblefish/{name}")
        assert blueprint.domain == "automation"
        assert "crying_sensor" in blueprint.inputs


NOTIFY = {"crying_sensor": CRYING, "notify_action": "notify.test_phone"}


async def test_notify_after_minimum_duration_with_actions(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A short fuss sends nothing; 30 s of crying sends one actionable notification."""
    freezer.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC))
    calls = async_mock_service(hass, "notify", "test_phone")
    await _automation(hass, "babblefish/notify_on_crying.yaml", NOTIFY)

    await _cry(hass, freezer, seconds=10)
    await _advance(hass, freezer, seconds=60)
    assert calls == []

    hass.states.async_set(CRYING, "on")
    await _settle(hass)
    await _advance(hass, freezer, seconds=31)
    assert len(calls) == 1
    data = calls[0].data
    assert data["title"] == "Baby is crying"
    assert data["data"]["tag"] == "babblefish-crying"
    assert [a["action"] for a in data["data"]["actions"]] == ["BABBLEFISH_ON_MY_WAY", "URI"]

    # "On my way" clears the notification.
    await _on_my_way(hass)
    assert calls[-1].data == {"message": "clear_notification", "data": {"tag": "babblefish-crying"}}


async def test_notify_cool_down(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """A second cry within the cool-down sends nothing; after it, it notifies again."""
    freezer.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC))
    calls = async_mock_service(hass, "notify", "test_phone")
    await _automation(hass, "babblefish/notify_on_crying.yaml", {**NOTIFY, "cooldown": 10})

    await _cry(hass, freezer, seconds=40)
    assert len(_notifications(calls)) == 1
    await _on_my_way(hass)

    await _advance(hass, freezer, minutes=5)  # within 10 min of the first notification
    await _cry(hass, freezer, seconds=40)
    assert len(_notifications(calls)) == 1

    await _advance(hass, freezer, minutes=6)
    await _cry(hass, freezer, seconds=40)
    assert len(_notifications(calls)) == 2
    await _on_my_way(hass)


async def test_notify_wait_times_out(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Nobody taps "On my way": the run ends after 10 minutes without clearing anything."""
    calls = async_mock_service(hass, "notify", "test_phone")
    await _automation(hass, "babblefish/notify_on_crying.yaml", NOTIFY)
    await _cry(hass, freezer, seconds=40)
    await _advance(hass, freezer, minutes=11)
    await hass.async_block_till_done()
    assert [call.data["message"] for call in calls] == ["The nursery monitor has heard crying."]


async def test_notify_never_drops_a_cry_while_waiting(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Nobody answers the first notification; each later cry past the cool-down still notifies,
    a cry inside the cool-down neither notifies nor ends the wait, and one tap clears once."""
    freezer.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC))
    calls = async_mock_service(hass, "notify", "test_phone")
    await _automation(hass, "babblefish/notify_on_crying.yaml", {**NOTIFY, "cooldown": 2})

    await _cry(hass, freezer, seconds=40)
    assert len(_notifications(calls)) == 1
    await _advance(hass, freezer, seconds=30)  # 70 s after the notification: inside the cool-down
    await _cry(hass, freezer, seconds=40)
    assert len(_notifications(calls)) == 1
    assert _running(hass) == 1, "a cry inside the cool-down must not end the waiting run"
    for expected in (2, 3):
        await _advance(hass, freezer, minutes=3)
        await _cry(hass, freezer, seconds=40)
        assert len(_notifications(calls)) == expected
        assert _running(hass) == 1
    await _on_my_way(hass)
    assert [call.data["message"] for call in calls].count("clear_notification") == 1
    assert _running(hass) == 0


async def test_notify_without_buttons_does_not_wait(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """A notifier without buttons gets a plain title and message, and no run stays waiting."""
    freezer.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=dt_util.UTC))
    calls = async_mock_service(hass, "notify", "test_phone")
    await _automation(
        hass, "babblefish/notify_on_crying.yaml", {**NOTIFY, "buttons": False, "cooldown": 2}
    )
    await _cry(hass, freezer, seconds=40)
    assert [call.data for call in calls] == [
        {"title": "Baby is crying", "message": "The nursery monitor has heard crying."}
    ]
    assert _running(hass) == 0
    await _advance(hass, freezer, minutes=3)
    await _cry(hass, freezer, seconds=40)
    assert len(calls) == 2


def _running(hass: HomeAssistant) -> int:
    state = hass.states.get("automation.notify_on_crying")
    assert state is not None
    current: int = state.attributes["current"]
    return current


async def test_notify_quiet_hours(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Nothing is sent inside quiet hours (spanning midnight); outside them it is."""
    calls = async_mock_service(hass, "notify", "test_phone")
    await _automation(
        hass,
        "babblefish/notify_on_crying.yaml",
        {**NOTIFY, "quiet_hours": True, "quiet_start": "22:00:00", "quiet_end": "06:00:00"},
    )
    freezer.move_to(datetime(2026, 11, 20, 23, 30, tzinfo=dt_util.UTC))
    await _cry(hass, freezer, seconds=40)
    freezer.move_to(datetime(2026, 11, 21, 3, 0, tzinfo=dt_util.UTC))
    await _cry(hass, freezer, seconds=40)
    assert calls == []
    freezer.move_to(datetime(2026, 11, 21, 7, 0, tzinfo=dt_util.UTC))
    await _cry(hass, freezer, seconds=40)
    assert len(calls) == 1
    await _on_my_way(hass)


LIGHT = {
    "crying_sensor": CRYING,
    "light_target": {"entity_id": "light.nursery"},
    "brightness": 20,
    "color": [255, 100, 0],
    "off_delay": {"minutes": 2},
}


async def test_light_on_then_off_after_delay(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Crying turns the light on dim and coloured; it goes off 2 min after calm, not sooner."""
    on_calls = async_mock_service(hass, "light", "turn_on")
    off_calls = async_mock_service(hass, "light", "turn_off")
    await _automation(hass, "babblefish/light_on_crying.yaml", LIGHT)

    await _crying_is(hass, "on")
    assert len(on_calls) == 1
    assert on_calls[0].data == {
        "entity_id": ["light.nursery"],
        "brightness_pct": 20,
        "rgb_color": [255, 100, 0],
    }
    await _crying_is(hass, "off")
    await _advance(hass, freezer, minutes=1)
    assert off_calls == []
    await _advance(hass, freezer, minutes=1, seconds=1)
    assert len(off_calls) == 1
    assert off_calls[0].data == {"entity_id": ["light.nursery"]}


async def test_light_stays_on_when_crying_resumes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Crying again within the delay restarts it: no turn-off in between."""
    off_calls = await _light_automation(hass, LIGHT)

    await _crying_is(hass, "on", "off")
    await _advance(hass, freezer, minutes=1, seconds=30)
    await _crying_is(hass, "on")
    await _advance(hass, freezer, minutes=1)
    assert off_calls == []
    await _crying_is(hass, "off")
    await _advance(hass, freezer, minutes=2, seconds=1)
    assert len(off_calls) == 1


async def test_light_off_when_the_monitor_stays_away(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """The monitor stops mid-cry: after the unavailable delay the light goes off, not sooner."""
    off_calls = await _light_automation(hass, {**LIGHT, "unavailable_delay": {"minutes": 5}})
    await _crying_is(hass, "on", "unavailable")
    await _advance(hass, freezer, minutes=4)
    assert off_calls == []
    await _advance(hass, freezer, minutes=1, seconds=1)
    assert len(off_calls) == 1


@pytest.mark.parametrize(
    ("away_s", "back_crying"),
    [(60, True), (20, False)],
    ids=["back-still-crying", "cry-ended-while-away"],
)
async def test_light_after_a_short_monitor_restart(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, away_s: float, back_crying: bool
) -> None:
    """Away for less than the delay: still crying on return (on -> unavailable -> on), the light
    stays on until calm; ended meanwhile (on -> unavailable -> off), it goes off as after calm."""
    off_calls = await _light_automation(hass, LIGHT)
    await _crying_is(hass, "on", "unavailable")
    await _advance(hass, freezer, seconds=away_s)
    if back_crying:
        await _crying_is(hass, "on")
        await _advance(hass, freezer, minutes=10)
        assert off_calls == []
    await _crying_is(hass, "off")
    await _advance(hass, freezer, minutes=2, seconds=1)
    assert len(off_calls) == 1
