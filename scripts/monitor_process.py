"""Runs `babblefish-monitor serve` as a real process for the demo and the end-to-end test."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

MONITOR_BIN = Path(sys.executable).with_name("babblefish-monitor")


@dataclass
class MonitorProcess:
    """One monitor process; `start` again after `stop` to simulate a restart."""

    source: str
    data_dir: Path
    port: int
    token: str
    climate: str = "fake"
    name: str = "Nursery"
    extra_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "monitor-console.log"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(MONITOR_BIN), "serve", "--source", self.source, "--data-dir", str(self.data_dir),
             "--host", "127.0.0.1", "--port", str(self.port), "--token", self.token,
             "--climate", self.climate, "--name", self.name, "--no-zeroconf", *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True,
        )  # fmt: skip

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (the monitor checkpoints its tally), SIGKILL only if it hangs."""
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
        text = (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(self, session: aiohttp.ClientSession, timeout: float = 60.0) -> None:
        """Wait until the health check answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"the monitor exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with session.get(
                    f"{self.url}/api/v1/health", timeout=aiohttp.ClientTimeout(2)
                ) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the monitor did not answer within {timeout} s:\n{self.log_tail()}")
