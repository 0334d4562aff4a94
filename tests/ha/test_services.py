"""`babblefish.label_episode` in a real Home Assistant: what it sends, and how refusals read."""

from __future__ import annotations

from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.babblefish.const import DOMAIN

from .fake_monitor import FakeMonitor, load_fixture


async def _label(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "label_episode", data, blocking=True, return_response=True
    )


async def test_label_reaches_the_monitor(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    """The verdict, what it was and the note go to POST labels; the monitor's note comes back."""
    response = await _label(
        hass,
        episode_id=3,
        label="not_crying",
        what="animal",
        note="the cat",
        config_entry_id=init_integration.entry_id,
    )
    assert monitor.labels == [
        {"episode_id": 3, "verdict": "not_crying", "what": "animal", "note": "the cat"}
    ]
    assert response == {"message": None}


async def test_the_only_monitor_needs_no_entry_id(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    await _label(hass, episode_id=3, label="crying")
    assert monitor.labels == [{"episode_id": 3, "verdict": "crying"}]


async def test_unknown_episode_is_a_translated_validation_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _label(hass, episode_id=99, label="not_crying")
    assert caught.value.translation_key == "unknown_episode"
    assert "has no cry episode 99" in str(caught.value)
    assert monitor.labels == []


async def test_running_episode_is_refused_with_the_monitors_reason(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    monitor.state = load_fixture("state_crying.json")
    with pytest.raises(ServiceValidationError) as caught:
        await _label(hass, episode_id=4, label="not_crying")
    assert caught.value.translation_key == "label_refused"
    assert "still running" in str(caught.value)


async def test_a_label_the_service_does_not_know_never_reaches_the_monitor(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    with pytest.raises(vol.Invalid):
        await _label(hass, episode_id=3, label="snoring")
    assert monitor.labels == []


@pytest.mark.parametrize(
    ("status", "refused", "key"), [(400, True, "label_refused"), (500, False, "command_failed")]
)
@pytest.mark.usefixtures("init_integration")
async def test_monitor_errors_read_as_refusal_or_failure(
    hass: HomeAssistant, monitor: FakeMonitor, status: int, refused: bool, key: str
) -> None:
    """A 400 (here forced) is a validation error in the monitor's words, not a traceback; a 500
    is the monitor failing, a plain Home Assistant error."""
    monitor.http_status = status
    with pytest.raises(HomeAssistantError) as caught:
        await _label(hass, episode_id=3, label="crying")
    assert isinstance(caught.value, ServiceValidationError) is refused
    assert caught.value.translation_key == key


async def test_unknown_entry_id_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _label(hass, episode_id=3, label="crying", config_entry_id="nope")
    assert caught.value.translation_key == "monitor_not_loaded"
    assert monitor.labels == []


async def test_without_a_loaded_monitor_the_action_says_to_choose_one(
    hass: HomeAssistant, init_integration: MockConfigEntry, monitor: FakeMonitor
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await _label(hass, episode_id=3, label="crying")
    assert caught.value.translation_key == "choose_monitor"
