"""A server process for the demo and the end-to-end tests: start, wait until it answers, stop."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path

import aiohttp


class ProcessError(RuntimeError):
    """The process exited, or did not answer in time."""


class ManagedProcess:
    """Runs argv in its own process group with output to a log file; restartable."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def argv(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> None:
        """Start in a new session, so stopping also ends the process's children."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**self.environment(), "PYTHONUNBUFFERED": "1"},
            )

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (both servers save their state on it), SIGKILL only if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    async def wait_http(self, session: aiohttp.ClientSession, url: str, timeout: float) -> None:
        """Wait until `url` answers 200; fail early, with the log, if the process exits."""

        async def answers() -> bool:
            async with session.get(url, timeout=aiohttp.ClientTimeout(2)) as resp:
                return resp.status == 200

        await self.wait_answer(answers, timeout)

    async def wait_answer(
        self,
        probe: Callable[[], Awaitable[bool]],
        timeout: float,
        errors: tuple[type[Exception], ...] = (aiohttp.ClientError, TimeoutError),
    ) -> None:
        """Wait until `probe()` is true (`errors` mean "not yet"); fail early if the process exits."""
        name = Path(self.argv()[0]).name
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ProcessError(
                    f"{name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with suppress(*errors):
                if await probe():
                    return
            await asyncio.sleep(0.2)  # polling a server that is starting, with a deadline
        raise ProcessError(f"{name} did not answer within {timeout} s:\n{self.log_tail()}")
