"""Setup and unload, and what a failing monitor does to setup."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import DOMAIN

from .conftest import flow_sources
from .fake_monitor import FakeMonitor

REPO_BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints/automation/babblefish"


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The entry loads, connects its WebSocket, and unloads cleanly (the socket closes)."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.client.connected
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A monitor that is down makes setup retry later."""
    await monitor.drop()
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_rejected_token_starts_reauth(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """A 401 at setup asks the user for the new token."""
    monitor.token = "rotated"
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    assert flow_sources(hass) == [SOURCE_REAUTH]


async def test_setup_protocol_mismatch_raises_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A monitor speaking protocol 2 fails setup with a repair issue; fixing it clears the issue."""
    monitor.info["protocol_version"] = 2
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    issue = issue_registry.async_get_issue(
        DOMAIN, f"protocol_mismatch_{mock_config_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Nursery", "remote": "2", "local": "1"}

    monitor.info["protocol_version"] = 1
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert not issue_registry.async_get_issue(
        DOMAIN, f"protocol_mismatch_{mock_config_entry.entry_id}"
    )


async def test_model_error_raises_issue(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    issue_registry: ir.IssueRegistry,
) -> None:
    """A model the monitor could not load becomes a repair issue; removing the entry clears it."""
    monitor.info["model"]["error"] = "model.tflite: input shape (1, 49, 40) != (1, 98, 40)"
    monitor.info["model"]["labels"] = []
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"model_error_{mock_config_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert "input shape" in issue.translation_placeholders["error"]
    # No labels: no sound entity, but crying and the rest still exist.
    assert hass.states.get("sensor.nursery_sound") is None
    assert hass.states.get("binary_sensor.nursery_crying") is not None

    assert await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_blueprints_installed_once(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """Setup puts the bundled blueprints into the config directory, keeping a user's edits."""
    folder = Path(hass.config.path("blueprints", "automation", "babblefish"))
    folder.mkdir(parents=True)
    (folder / "light_on_crying.yaml").write_text("# edited by the user\n")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert (folder / "notify_on_crying.yaml").read_text() == (
        REPO_BLUEPRINTS / "notify_on_crying.yaml"
    ).read_text()
    assert (folder / "light_on_crying.yaml").read_text() == "# edited by the user\n"


async def test_blueprint_install_failure_is_only_logged(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    monitor: FakeMonitor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A read-only config directory does not stop the integration."""
    Path(hass.config.path("blueprints")).write_text("not a folder")
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert "Could not install the Babblefish blueprints" in caplog.text


@pytest.mark.parametrize("name", ["notify_on_crying.yaml", "light_on_crying.yaml"])
def test_bundled_blueprints_match_repository(name: str) -> None:
    """The copy HACS installs is the one in blueprints/ (which the import-URL users get)."""
    bundled = Path(__file__).resolve().parents[2] / "custom_components/babblefish/blueprints"
    assert (bundled / name).read_bytes() == (REPO_BLUEPRINTS / name).read_bytes()
