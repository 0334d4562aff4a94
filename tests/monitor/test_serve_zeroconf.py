"""Zeroconf advertisement and a corrupt tally at service start."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest
from babblefish_monitor.api.zeroconf_advert import SERVICE_TYPE, ZeroconfAdvert
from babblefish_monitor.tally import DB_FILE
from monitor_helpers import auth, write_recording
from monitor_server import running_monitor


async def test_zeroconf_advert_registers_with_txt_and_withdraws() -> None:
    advert = ZeroconfAdvert(
        name="Nursery", device_id="3f2a9c0d11", version="0.1.0", host="127.0.0.1", port=8733
    )
    info = advert.info
    assert info.type == SERVICE_TYPE and info.port == 8733
    assert info.name.startswith("Nursery (3f2a9c).")
    assert info.properties == {
        b"device_id": b"3f2a9c0d11",
        b"name": b"Nursery",
        b"protocol_version": b"1",
        b"version": b"0.1.0",
    }
    assert b"token" not in info.properties
    await advert.start()
    try:
        assert advert.registered
    finally:
        await advert.stop()
    assert not advert.registered


async def test_corrupt_tally_is_moved_aside_and_monitor_serves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_FILE).write_bytes(b"\x00garbage" * 1000)
    wav = write_recording(tmp_path / "q.wav", [("quiet", 0.5)])
    with caplog.at_level(logging.WARNING):
        async with (
            running_monitor(source=f"file:{wav}", data_dir=data) as mon,
            aiohttp.ClientSession(headers=auth(mon.token)) as session,
            session.get(f"{mon.url}/api/v1/state") as resp,
        ):
            state = await resp.json()
    assert resp.status == 200 and state["cry_seconds_today"] == 0.0
    assert len(list(data.glob(f"{DB_FILE}.corrupt-*"))) == 1
    assert "CORRUPT" in caplog.text
