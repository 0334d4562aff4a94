"""A corrupt label database, met by the real monitor, is a repair issue in a real Home Assistant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from monitor_helpers import write_recording
from monitor_server import running_monitor

from custom_components.babblefish.const import DOMAIN

from .ha_helpers import add_through_config_flow, entity_state, wait_until


async def test_corrupt_label_database_is_reported_until_a_clean_start(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, tmp_path: Path, tone_model_dir: Path
) -> None:
    """The monitor keeps the damaged file aside, starts a fresh one and counts cries as before;
    Home Assistant shows the monitor's sentence as a warning, and the next start clears it."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "labels.db").write_bytes(b"not a database, just the bytes of a torn write" * 100)
    night = write_recording(tmp_path / "night.wav", [("quiet", 1.0), ("cry", 3.0), ("quiet", 3.0)])
    common = {"data_dir": data, "model_dir": tone_model_dir}
    async with running_monitor(source=f"file:{night}", **common) as mon:
        entry = await add_through_config_flow(hass, mon)
        issue_id = f"label_store_{entry.entry_id}"
        await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id))
        issue = issue_registry.async_get_issue(DOMAIN, issue_id)
        assert issue is not None and issue.severity is ir.IssueSeverity.WARNING
        [kept] = data.glob("labels.db.corrupt-*")
        problem = (issue.translation_placeholders or {})["problem"]
        assert "moved aside" in problem and kept.name in problem
        assert kept.read_bytes().startswith(b"not a database")
        labels = mon.monitor.labels
        assert labels is not None and labels.adaptation()["store_problem"] == problem
        # The tally is untouched: the cry is still counted.
        await wait_until(lambda: entity_state(hass, "sensor.nursery_cry_episodes_today") == "1")
        port = mon.port
    with sqlite3.connect(data / "labels.db") as fresh:
        assert fresh.execute("PRAGMA quick_check").fetchone() == ("ok",)

    quiet = write_recording(tmp_path / "quiet.wav", [("quiet", 3.0)])
    async with running_monitor(source=f"file:{quiet}", port=port, **common):
        await wait_until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
        assert list(data.glob("labels.db.corrupt-*")) == [kept]
        assert await hass.config_entries.async_unload(entry.entry_id)
