"""The logbook of a real Home Assistant with the recorder: one line per cry start and end, none for
a lost connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from .conftest import wait_connected, wait_state, wait_until
from .fake_monitor import FakeMonitor, load_fixture

CRY_EVENT = "event.nursery_cry"


# The recorder must start before Home Assistant does; these replace the package's autouse
# fixtures of the same names, which would start Home Assistant first.
@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(recorder_mock: Any, enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/babblefish, after the recorder is in place."""


@pytest.fixture(autouse=True)
def config_dir_in_tmp(recorder_mock: Any, hass: HomeAssistant, tmp_path: Path) -> None:
    """Files the integration writes (blueprints) land in a per-test config directory."""
    hass.config.config_dir = str(tmp_path)


async def _logbook(hass: HomeAssistant, client: Any, since: str) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    await client.send_json_auto_id(
        {"type": "logbook/get_events", "start_time": since, "entity_ids": [CRY_EVENT]}
    )
    reply = await client.receive_json()
    assert reply["success"], reply
    entries: list[dict[str, Any]] = reply["result"]
    return entries


async def test_logbook_reads_each_cry_once(
    recorder_mock: Any,
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
) -> None:
    """Start and end of a cry are two logbook lines (carrying the event type where the logbook
    passes it on, for the translated "Cry started" / "Cry ended"); a drop and reconnect add none."""
    assert await async_setup_component(hass, "logbook", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await wait_connected(hass, monitor)
    since = dt_util.utcnow().isoformat()
    client = await hass_ws_client(hass)

    await monitor.push(load_fixture("event_cry_started.json"))
    await wait_until(lambda: hass.states.get(CRY_EVENT).attributes.get("event_type"))
    await monitor.push(load_fixture("event_cry_ended.json"))
    await wait_until(lambda: hass.states.get(CRY_EVENT).attributes.get("event_type") == "cry_ended")
    await monitor.drop()
    await wait_state(hass, "binary_sensor.nursery_crying", "unavailable")
    await monitor.start()
    await wait_connected(hass, monitor)
    await wait_state(hass, "binary_sensor.nursery_crying", "off")

    entries = await _logbook(hass, client, since)
    assert len(entries) == 2, entries
    types = [entry.get("attributes", {}).get("event_type") for entry in entries]
    assert types in (["cry_started", "cry_ended"], [None, None]), entries
