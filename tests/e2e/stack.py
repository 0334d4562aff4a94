"""The end-to-end tests' stack: the demo's monitor and Home Assistant, with the tests' token and login."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from demo_stack import Stack
from demo_stack import running_stack as demo_running_stack
from ha_versions import MINIMUM, HassVersion

REPO = Path(__file__).resolve().parents[2]

TOKEN = "e2e-token"
USERNAME, PASSWORD = "parent", "e2e-password"

__all__ = ["PASSWORD", "REPO", "TOKEN", "USERNAME", "Stack", "running_stack"]


@asynccontextmanager
async def running_stack(
    workdir: Path,
    source: str,
    *,
    env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    version: HassVersion = MINIMUM,
) -> AsyncIterator[Stack]:
    """Start the monitor on `source`, then Home Assistant, onboarded and set up as a parent would."""
    async with demo_running_stack(
        workdir, source, token=TOKEN, username=USERNAME, password=PASSWORD,
        env=env, extra_args=extra_args, version=version,
    ) as stack:  # fmt: skip
        yield stack
