"""End to end: a cry played into PulseAudio reaches a real Home Assistant and turns the night light on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import numpy as np
import pytest
import soundfile as sf
from ha_versions import CURRENT, MINIMUM, HassVersion, current_problem, prepare_current
from hass_harness import HassWebSocket
from pulse_daemon import SINK, pulse_missing, pulse_null_sink
from stack_config import LIGHT

from .stack import REPO, Stack, running_stack

pytestmark = [pytest.mark.slow]

DEMO = REPO / "demo" / "nursery_demo.flac"
CRY_FROM_S, CRY_SECONDS = 26.0, 12.0  # a stretch of the demo recording that is crying throughout
RATE = 16_000


def _cry_clip(path: Path) -> float:
    """Write the cry as raw s16le; returns the offset (s) where it first gets loud."""
    audio, rate = sf.read(
        DEMO, dtype="int16", start=int(CRY_FROM_S * RATE), frames=int(CRY_SECONDS * RATE)
    )
    assert rate == RATE
    path.write_bytes(audio.astype("<i2").tobytes())
    blocks = audio[: audio.size // 1600 * 1600].reshape(-1, 1600).astype(np.float64) / 32768
    loud = np.flatnonzero(20 * np.log10(np.sqrt(np.mean(blocks**2, axis=1)) + 1e-12) > -40)
    return float(loud[0] * 0.1) if loud.size else 0.0


@pytest.fixture
async def pulse_env(tmp_path: Path) -> AsyncIterator[dict[str, str]]:
    """A private PulseAudio daemon with a null sink; skips (saying why) where it is not installed."""
    reason = pulse_missing()
    if reason:
        pytest.skip(f"the end-to-end night needs PulseAudio: {reason}")
    with pulse_null_sink(tmp_path) as env:
        yield env


@pytest.fixture(params=["minimum", "current"])
def hass_version(request: pytest.FixtureRequest) -> HassVersion:
    """The night runs on the oldest supported Home Assistant and on today's (scripts/current_ha.sh)."""
    if request.param == "minimum":
        return MINIMUM
    problem = current_problem()
    if problem:
        pytest.skip(f"the current Home Assistant cannot run here: {problem}")
    failure = prepare_current()
    if failure:
        pytest.fail(failure)
    return CURRENT


@pytest.fixture
async def stack(
    tmp_path: Path, pulse_env: dict[str, str], hass_version: HassVersion, socket_enabled: None
) -> AsyncIterator[Stack]:
    """Pulse null sink -> monitor process -> hass process with the integration."""
    async with running_stack(
        tmp_path, f"pulse:{SINK}.monitor", env=pulse_env, version=hass_version
    ) as running:
        yield running


async def _state_value(stack: Stack, key: str) -> str:
    state = await stack.hass.state(stack.session, stack.entities[key])
    assert state is not None, f"{stack.entities[key]} does not exist"
    return str(state["state"])


async def _wait_value(ws: HassWebSocket, entity_id: str, wanted: str, timeout: float) -> float:
    _, at = await ws.wait_for_state(entity_id, lambda s: s["state"] == wanted, timeout)
    return at


async def test_a_night_in_the_nursery(
    stack: Stack, pulse_env: dict[str, str], tmp_path: Path
) -> None:
    crying = stack.entities["crying"]
    minutes = stack.entities["cry_minutes_today"]
    assert await _state_value(stack, "crying") == "off"
    minutes_before = float(await _state_value(stack, "cry_minutes_today"))
    assert (await stack.hass.state(stack.session, LIGHT) or {}).get("state") == "off"

    clip = tmp_path / "cry.raw"
    onset_offset = _cry_clip(clip)
    async with stack.hass.websocket(stack.session) as ws:
        await ws.subscribe_state_changes()
        played_at = time.monotonic()
        player = await asyncio.create_subprocess_exec(
            "pacat", "--playback", f"--device={SINK}", "--format=s16le", f"--rate={RATE}",
            "--channels=1", "--latency-msec=50", str(clip), env=pulse_env,
        )  # fmt: skip
        on_at = await _wait_value(ws, crying, "on", timeout=15)
        latency = on_at - (played_at + onset_offset)
        print(f"cry onset -> Crying on in Home Assistant: {latency:.2f} s wall clock")
        assert latency <= 3.0, f"Crying turned on {latency:.2f} s after the cry began (limit 3 s)"
        light = await stack.hass.state(stack.session, LIGHT)
        if light is None or light["state"] != "on":
            await _wait_value(ws, LIGHT, "on", timeout=5)
        await player.wait()
        await _wait_value(ws, crying, "off", timeout=20)

    cry_seconds = CRY_SECONDS - onset_offset
    minutes_after = await _settled_minutes(stack, minutes)
    grown = (minutes_after - minutes_before) * 60
    print(f"cry minutes grew by {grown:.1f} s for {cry_seconds:.1f} s of crying")
    assert abs(grown - cry_seconds) <= 0.1 * cry_seconds

    # Restarting the monitor mid-run keeps the minutes.
    stack.monitor.stop()
    stack.monitor.start()
    await stack.monitor.wait_ready(stack.session)
    assert await _eventually_value(stack, "cry_minutes_today", minutes_after)

    # Restarting Home Assistant reconnects with no user action.
    stack.hass.stop()
    stack.hass.start()
    await stack.hass.wait_ready(stack.session)
    assert await _eventually_value(stack, "crying", "off")
    assert await _eventually_value(stack, "cry_minutes_today", minutes_after)


async def _settled_minutes(stack: Stack, entity_id: str) -> float:
    """Cry minutes after the episode ended: the value from the monitor's own state."""
    monitor_minutes = (await stack.monitor.client(stack.session).state()).cry_minutes_today
    assert await _eventually_value(stack, "cry_minutes_today", monitor_minutes), (
        f"{entity_id} never showed the monitor's {monitor_minutes} cry minutes"
    )
    return monitor_minutes


async def _eventually_value(
    stack: Stack, key: str, wanted: float | str, timeout: float = 60
) -> bool:
    """Poll Home Assistant's REST state (it may be restarting) until the entity shows `wanted`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = await _state_value(stack, key)
        except (AssertionError, aiohttp.ClientError):
            value = None
        if value is not None and _matches(value, wanted):
            return True
        await asyncio.sleep(0.5)  # polling a condition with a deadline; HA may be mid-restart
    return False


def _matches(value: str, wanted: float | str) -> bool:
    if isinstance(wanted, str):
        return value == wanted
    try:
        return abs(float(value) - wanted) <= 0.011
    except ValueError:
        return False
