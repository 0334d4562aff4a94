"""The client reads every payload the real monitor sends, and refuses each one with a key broken."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
from client.wire_cases import ROUTE_READERS, broken_payloads
from monitor_server import running_monitor

from custom_components.babblefish.api import parse_message
from custom_components.babblefish.exceptions import BabblefishProtocolError
from custom_components.babblefish.models import CryEvent, Hello


async def _real_payloads(tmp_path: Path, model: Path) -> dict[str, Any]:
    """Info, state, history and each WebSocket message type, as the real monitor sends them."""
    from monitor_helpers import write_recording

    recording = write_recording(
        tmp_path / "night.wav", [("quiet", 1.0), ("cry", 3.0), ("quiet", 4.0)]
    )
    payloads: dict[str, Any] = {}
    async with (
        running_monitor(
            source=f"file:{recording}", data_dir=tmp_path / "data", model_dir=model
        ) as mon,
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {mon.token}"}) as session,
    ):
        async with session.ws_connect(f"{mon.url}/api/v1/ws") as ws:
            await ws.send_json({"id": 1, "type": "ping"})
            async with asyncio.timeout(30):
                while "event:cry_ended" not in payloads:
                    message = await ws.receive_json()
                    key = message["type"]
                    if key == "event":
                        key = f"event:{message['event']}"
                    elif key == "state" and message["state"]["crying"]:
                        key = "state:crying"
                    payloads.setdefault(key, message)
        for route in ROUTE_READERS:
            async with session.get(f"{mon.url}/api/v1/{route}") as resp:
                payloads[f"GET {route}"] = await resp.json()
    return payloads


READERS = {f"GET {route}": read for route, read in ROUTE_READERS.items()} | {
    "hello": parse_message,
    "state:crying": parse_message,
    "event:cry_started": parse_message,
    "event:cry_ended": parse_message,
    "result": parse_message,
}


async def test_real_payloads_read_strictly(tmp_path: Path, tone_model_dir: Path) -> None:
    """The monitor sends each kind of payload and the client reads each one; dropping or
    mistyping any key of a real payload is a protocol error that names the key, so a key renamed
    on one side fails here instead of reading as a default."""
    real = await _real_payloads(tmp_path, tone_model_dir)
    assert set(READERS) <= set(real), sorted(real)
    assert isinstance(parse_message(real["hello"]), Hello)
    started = parse_message(real["event:cry_started"])
    assert isinstance(started, CryEvent) and started.end is None
    silent = []
    for name, read in READERS.items():
        assert read(real[name]) is not None, name
        cases = list(broken_payloads(real[name], keep=frozenset({"type"})))
        assert cases, name
        for case in cases:
            try:
                read(case.payload)
            except BabblefishProtocolError as err:
                if case.key not in str(err):
                    silent.append(f"{name} {case.what}: {err}")
            else:
                silent.append(f"{name} {case.what}: accepted")
    assert not silent, "\n".join(silent)
