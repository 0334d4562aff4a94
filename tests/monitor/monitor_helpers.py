"""Helpers for the monitor service tests: the tone model, test recordings, WebSocket readers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import soundfile
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline
from babblefish_monitor.config import MonitorConfig
from tone_model import CRY_HZ, quiet, tone

# Short hang-over and merge gap so a test's episode ends seconds after the tone does.
QUICK = DetectorConfig(hangover_seconds=0.5, merge_gap_seconds=0.5)


def quick_pipeline(spec: ModelSpec, config: MonitorConfig) -> Pipeline:
    """The real pipeline with a detector that decides quickly."""
    return Pipeline(spec, QUICK, calibration_db=config.calibration_db)


def write_recording(path: Path, parts: list[tuple[str, float]]) -> Path:
    """A 16 kHz mono WAV of ('quiet'|'cry', seconds) parts, in order."""
    audio = [
        tone(CRY_HZ, seconds, -20.0) if kind == "cry" else quiet(seconds, seed=i)
        for i, (kind, seconds) in enumerate(parts)
    ]
    soundfile.write(str(path), np.concatenate(audio), 16_000, subtype="PCM_16")
    return path


async def wait_for(condition: Callable[[], bool], within: float = 15.0) -> None:
    """Poll a condition until true; a failed test, not a hang, when it never comes."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - conditions on plain attributes have no event
            await asyncio.sleep(0.01)


async def receive_until(
    ws: aiohttp.ClientWebSocketResponse,
    done: Callable[[dict[str, Any]], bool],
    within: float = 20.0,
) -> list[dict[str, Any]]:
    """Every message up to and including the first for which `done` is true."""
    messages: list[dict[str, Any]] = []
    async with asyncio.timeout(within):
        while True:
            message = await ws.receive()
            assert message.type == aiohttp.WSMsgType.TEXT, message
            messages.append(json.loads(message.data))
            if done(messages[-1]):
                return messages


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
