"""`babblefish.label_episode` in a real Home Assistant against the real monitor: the label is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from monitor_helpers import write_recording
from monitor_server import running_monitor

from custom_components.babblefish.const import DOMAIN

from .ha_helpers import add_through_config_flow, entity_state, wait_until


async def test_label_service_writes_through_to_the_monitor(
    hass: HomeAssistant, tmp_path: Path, tone_model_dir: Path
) -> None:
    """The Cry event's episode_id labels that episode; an id the monitor lacks is a clear refusal."""
    night = write_recording(tmp_path / "night.wav", [("quiet", 2.0), ("cry", 3.0), ("quiet", 4.0)])
    async with running_monitor(
        source=f"file:{night}", data_dir=tmp_path / "data", model_dir=tone_model_dir
    ) as mon:
        entry = await add_through_config_flow(hass, mon)
        await wait_until(lambda: entity_state(hass, "binary_sensor.nursery_crying") == "on")
        await wait_until(lambda: entity_state(hass, "binary_sensor.nursery_crying") == "off")
        event = hass.states.get("event.nursery_cry")
        assert event is not None
        episode_id = event.attributes["episode_id"]
        await hass.services.async_call(
            DOMAIN,
            "label_episode",
            {"episode_id": episode_id, "label": "not_crying", "note": "the kettle"},
            blocking=True,
        )
        labels = mon.monitor.labels
        assert labels is not None
        stored = labels.store.for_episode(episode_id)
        assert stored is not None
        assert (stored.verdict, stored.note) == ("not_crying", "the kettle")

        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(
                DOMAIN,
                "label_episode",
                {"episode_id": episode_id + 100, "label": "not_crying"},
                blocking=True,
            )
        assert caught.value.translation_key == "unknown_episode"
        assert f"no cry episode {episode_id + 100}" in str(caught.value)
        assert await hass.config_entries.async_unload(entry.entry_id)
