"""Fixtures for the integration tests: a real fake monitor on loopback and a config entry for it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

import pytest
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

# `custom_components` comes from the repository root (pytest `pythonpath` in pyproject.toml).
from custom_components.babblefish import api
from custom_components.babblefish.const import DOMAIN

# Found by name: pytest sees fixtures imported into a conftest.
from tests.ha_fixtures import auto_enable_custom_integrations, config_dir_in_tmp  # noqa: F401

from .fake_monitor import FakeMonitor, load_fixture


@pytest.fixture(autouse=True)
def fast_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reconnect within milliseconds so drop/recover tests run fast."""
    monkeypatch.setattr(api, "RECONNECT_INITIAL_S", 0.02)
    monkeypatch.setattr(api, "RECONNECT_MAX_S", 0.1)


@pytest.fixture
async def monitor(socket_enabled: None) -> AsyncIterator[FakeMonitor]:
    """A protocol-v1 server on 127.0.0.1 serving the fixture payloads."""
    server = FakeMonitor()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def info_payload() -> dict[str, Any]:
    """The fixture info object."""
    return load_fixture("info.json")


@pytest.fixture
def mock_config_entry(monitor: FakeMonitor) -> MockConfigEntry:
    """A config entry for the fake monitor."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Nursery",
        unique_id=monitor.info["device_id"],
        data={CONF_HOST: monitor.host, CONF_PORT: monitor.port, CONF_TOKEN: monitor.token},
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> MockConfigEntry:
    """Set up the integration and wait until the WebSocket is connected."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await wait_connected(hass, monitor)
    return mock_config_entry


async def wait_connected(hass: HomeAssistant, monitor: FakeMonitor) -> None:
    """Wait until the integration's WebSocket is connected and its hello handled."""
    async with asyncio.timeout(5):
        await monitor.connected.wait()
    await settle(hass)


async def settle(hass: HomeAssistant) -> None:
    """Let messages in flight on loopback arrive and be handled."""
    for _ in range(5):
        await asyncio.sleep(0.01)
        await hass.async_block_till_done()


# The Home Assistant the integration declares as its minimum keeps its snapshots in snapshots/;
# any other version (the current one, run by scripts/current_ha.sh) in snapshots-<year.month>/,
# because registry entries and state attributes change shape between releases. Sibling folders, not
# subfolders: syrupy counts every file below its folder as the run's own (and unused).
def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


MINIMUM_HA = _series(
    json.loads((Path(__file__).parents[2] / "hacs.json").read_text(encoding="utf-8"))[
        "homeassistant"
    ]
)
HA_SERIES = _series(HA_VERSION)


class VersionedSnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's serializer, with one snapshot folder per Home Assistant release series."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """snapshots/ for the minimum version, snapshots-<series>/ for any other."""
        base = super().dirname(test_location=test_location)
        return base if HA_SERIES == MINIMUM_HA else f"{base}-{HA_SERIES}"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots through Home Assistant's serializer (registry ids and times masked)."""
    return snapshot.use_extension(VersionedSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create the entities that are disabled by default too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


async def wait_until(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll until `predicate()` is truthy: the other end of a real socket has no event to await."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def wait_state(hass: HomeAssistant, entity_id: str, state: str) -> None:
    """Wait until a pushed change reaches `entity_id`, then let the rest of that push land."""
    await wait_until(
        lambda: (current := hass.states.get(entity_id)) is not None and current.state == state
    )
    await hass.async_block_till_done()


async def wait_issue(registry: ir.IssueRegistry, issue_id: str) -> ir.IssueEntry:
    """Wait until the integration raises the repair issue `issue_id`, and return it."""
    await wait_until(lambda: registry.async_get_issue(DOMAIN, issue_id))
    issue = registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    return issue


def flow_sources(hass: HomeAssistant) -> list[str]:
    """The source of every config flow in progress (a reauth shows up as `reauth`)."""
    return [flow["context"]["source"] for flow in hass.config_entries.flow.async_progress()]
