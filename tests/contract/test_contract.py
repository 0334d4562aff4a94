"""The integration against the real monitor server: payload shapes, config flow, live entities."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from monitor_server import running_monitor

from custom_components.babblefish.api import BabblefishClient
from custom_components.babblefish.const import DOMAIN

from .ha_helpers import add_through_config_flow, entity_state, wait_until

FIXTURES = Path(__file__).resolve().parents[1] / "ha" / "fixtures"


def _assert_same_shape(real: Any, fixture: Any, where: str = "$") -> None:
    """The real payload has the fixture's keys, and each value the fixture's type (or null)."""
    if real is None:
        return  # every nested object and value of the protocol may be null at some point
    if isinstance(fixture, dict) and where.endswith(".scores"):
        assert isinstance(real, dict), where  # label-keyed: the model decides the keys
        return
    if isinstance(fixture, dict):
        assert isinstance(real, dict), f"{where}: {real!r} is not an object"
        assert set(real) == set(fixture), f"{where}: keys {sorted(real)} != {sorted(fixture)}"
        for key, value in fixture.items():
            _assert_same_shape(real[key], value, f"{where}.{key}")
    elif isinstance(fixture, list):
        assert isinstance(real, list), where
        for item in real:
            if fixture:
                _assert_same_shape(item, fixture[0], f"{where}[]")
    elif fixture is not None:
        number = (int, float)
        if isinstance(fixture, number) and not isinstance(fixture, bool):
            assert isinstance(real, number) and not isinstance(real, bool), f"{where}: {real!r}"
        else:
            assert type(real) is type(fixture), f"{where}: {real!r} vs {fixture!r}"


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


@pytest.fixture
def cry_recording(tmp_path: Path) -> Path:
    """Real-time WAV: quiet, a three-second 'cry' tone, quiet again."""
    from monitor_helpers import write_recording

    return write_recording(tmp_path / "night.wav", [("quiet", 2.0), ("cry", 3.0), ("quiet", 4.0)])


async def test_real_payloads_match_fixtures(
    tmp_path: Path, tone_model_dir: Path, cry_recording: Path
) -> None:
    """The monitor's info, state, history and WebSocket messages have the fixtures' shapes."""
    async with (
        running_monitor(
            source=f"file:{cry_recording}", data_dir=tmp_path / "data", model_dir=tone_model_dir
        ) as mon,
        aiohttp.ClientSession() as session,
    ):
        headers = {"Authorization": f"Bearer {mon.token}"}
        for route, fixture in (("info", "info.json"), ("state", "state.json")):
            async with session.get(f"{mon.url}/api/v1/{route}", headers=headers) as resp:
                _assert_same_shape(await resp.json(), _fixture(fixture), route)
        events: dict[str, dict[str, Any]] = {}
        states: list[dict[str, Any]] = []
        async with session.ws_connect(f"{mon.url}/api/v1/ws", headers=headers) as ws:
            async with asyncio.timeout(30):
                while "cry_ended" not in events:
                    message = await ws.receive_json()
                    if message["type"] == "event":
                        events[message["event"]] = message
                    elif message["type"] == "state":
                        states.append(message["state"])
        _assert_same_shape(events["cry_started"], _fixture("event_cry_started.json"), "started")
        _assert_same_shape(events["cry_ended"], _fixture("event_cry_ended.json"), "ended")
        crying = next(state for state in states if state["crying"])
        _assert_same_shape(crying, _fixture("state_crying.json"), "crying state")
        async with session.get(f"{mon.url}/api/v1/history?days=2", headers=headers) as resp:
            _assert_same_shape(await resp.json(), _fixture("history.json"), "history")

        # And the integration's client reads all of it.
        client = BabblefishClient(mon.host, mon.port, mon.token, session=session)
        assert (await client.info()).model.cry_label == "crying"
        assert (await client.state()).episodes_today == 1
        assert (await client.history(2)).episodes[0].duration_s > 1.0


async def test_integration_against_real_monitor(
    hass: HomeAssistant,
    tmp_path: Path,
    tone_model_dir: Path,
    cry_recording: Path,
) -> None:
    """Set up through the config flow; a real cry turns entities on and off, controls work."""
    fired: list[str] = []
    async with running_monitor(
        source=f"file:{cry_recording}", data_dir=tmp_path / "data", model_dir=tone_model_dir
    ) as mon:
        entry = await add_through_config_flow(hass, mon)
        assert entry.unique_id == mon.monitor.identity.device_id
        assert entry.title == "Nursery"

        await wait_until(lambda: entity_state(hass, "binary_sensor.nursery_crying") == "on")
        event = hass.states.get("event.nursery_cry")
        assert event is not None
        fired.append(event.attributes["event_type"])
        await wait_until(lambda: entity_state(hass, "binary_sensor.nursery_crying") == "off")
        event = hass.states.get("event.nursery_cry")
        assert event is not None
        assert event.attributes["event_type"] == "cry_ended"
        # The monitor's own id for the episode, the one its label route takes.
        last = mon.monitor.tally.last_episode()
        assert last is not None
        assert event.attributes["episode_id"] == last.id
        assert event.attributes["duration"] > 1.0
        assert 0.5 < event.attributes["peak_confidence"] <= 1.0
        assert entity_state(hass, "sensor.nursery_cry_episodes_today") == "1"
        assert float(entity_state(hass, "sensor.nursery_cry_minutes_today") or 0) > 0
        assert float(entity_state(hass, "sensor.nursery_last_cry_duration") or 0) > 1.0
        assert float(entity_state(hass, "sensor.nursery_sound_level") or 0) < 0
        assert float(entity_state(hass, "sensor.nursery_temperature") or "nan") > 0
        assert float(entity_state(hass, "sensor.nursery_humidity") or "nan") > 0
        assert entity_state(hass, "sensor.nursery_model_version") == "test"
        await wait_until(lambda: entity_state(hass, "sensor.nursery_audio_source") == "ended")

        await hass.services.async_call(
            "switch", "turn_off", {ATTR_ENTITY_ID: "switch.nursery_detection"}, blocking=True
        )
        await wait_until(lambda: entity_state(hass, "switch.nursery_detection") == "off")
        assert mon.monitor.live.paused
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: "number.nursery_sensitivity", "value": 70},
            blocking=True,
        )
        await wait_until(lambda: entity_state(hass, "number.nursery_sensitivity") == "70.0")
        assert mon.monitor.live.sensitivity == pytest.approx(0.7)

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    assert fired == ["cry_started"]


async def test_real_monitor_without_model_raises_repair(
    hass: HomeAssistant, tmp_path: Path, issue_registry: ir.IssueRegistry
) -> None:
    """A monitor whose model fails to load still serves; Home Assistant shows a repair issue."""
    from monitor_helpers import write_recording

    empty_model = tmp_path / "no-model"
    empty_model.mkdir()
    tone = write_recording(tmp_path / "tone.wav", [("cry", 10.0)])
    async with running_monitor(
        source=f"file:{tone}",
        data_dir=tmp_path / "data",
        model_dir=empty_model,
    ) as mon:
        entry = await add_through_config_flow(hass, mon)
        issue = issue_registry.async_get_issue(DOMAIN, f"model_error_{entry.entry_id}")
        assert issue is not None
        assert issue.translation_placeholders is not None
        assert issue.translation_placeholders["error"]
        assert hass.states.get("sensor.nursery_sound") is None
        await wait_until(lambda: entity_state(hass, "sensor.nursery_audio_source") == "running")
        await wait_until(
            lambda: entity_state(hass, "sensor.nursery_sound_level") not in (None, "unknown")
        )
        assert -40 < float(entity_state(hass, "sensor.nursery_sound_level") or 0) < 0
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
