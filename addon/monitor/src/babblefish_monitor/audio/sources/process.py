"""A capture program (arecord, parec, ffmpeg) piping s16le as a source, restarted with back-off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import numpy as np

from babblefish_monitor.redact import redact

from .base import BLOCK_SAMPLES, AudioSource, Block, StatusCallback

_LOGGER = logging.getLogger(__name__)
_READ_BYTES = 65_536


@dataclass(frozen=True)
class RestartPolicy:
    """How a dead, hung or unstartable capture program is brought back."""

    start_timeout: float = (
        10.0  # no first byte within this: the program hangs at start (RTSP can be slow)
    )
    stall_timeout: float = 5.0  # no data for this long once running: hung
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    healthy_after: float = 30.0  # running this long resets the back-off
    max_restarts: int | None = (
        None  # None: keep trying forever (a monitor at 3 a.m. must come back)
    )


class ProcessSource(AudioSource):
    """Runs `argv`, reads 16 kHz mono s16le from its stdout, and restarts it whenever it fails."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        policy: RestartPolicy | None = None,
        block_samples: int = BLOCK_SAMPLES,
        on_status: StatusCallback | None = None,
    ) -> None:
        super().__init__(name, on_status)
        self.argv = list(argv)
        self.policy = policy or RestartPolicy()
        self.block_bytes = block_samples * 2
        self._closed = asyncio.Event()
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr_tail: deque[str] = deque(maxlen=5)

    async def blocks(self) -> AsyncIterator[Block]:
        failures = 0
        loop = asyncio.get_running_loop()
        try:
            while not self._closed.is_set():
                started = loop.time()
                reason = None
                async for block in self._run_once():
                    yield block
                reason = self._last_failure
                if self._closed.is_set():
                    break
                failures = 0 if loop.time() - started >= self.policy.healthy_after else failures + 1
                limit = self.policy.max_restarts
                if limit is not None and self.restarts >= limit:
                    self._set_status("failed", f"{reason}; gave up after {self.restarts} restarts")
                    return
                delay = min(
                    self.policy.backoff_max, self.policy.backoff_initial * 2 ** max(0, failures - 1)
                )
                self._set_status("restarting", f"{reason}; retrying in {delay:g} s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closed.wait(), delay)
                self.restarts += 1
        finally:
            await self._kill()

    _last_failure = "not started"

    async def _run_once(self) -> AsyncIterator[Block]:
        """One life of the program: yields its blocks, sets `_last_failure` when it ends."""
        self._stderr_tail.clear()
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as err:
            self._last_failure = f"cannot start {self.argv[0]}: {err.strerror or err}"
            return
        proc = self._proc
        assert proc.stdout is not None and proc.stderr is not None
        stderr_task = asyncio.create_task(self._drain_stderr(proc.stderr))
        closed_task = asyncio.create_task(self._closed.wait())
        pending = b""
        got_data = False
        try:
            while True:
                timeout = self.policy.stall_timeout if got_data else self.policy.start_timeout
                read_task = asyncio.create_task(proc.stdout.read(_READ_BYTES))
                done, _ = await asyncio.wait(
                    {read_task, closed_task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if read_task not in done:
                    read_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await read_task
                    if closed_task in done:
                        return
                    what = "running" if got_data else "starting"
                    self._last_failure = (
                        f"{self.argv[0]} sent no audio for {timeout:g} s after {what}"
                    )
                    return
                data = read_task.result()
                if not data:
                    code = await self._kill()
                    # Let the last stderr lines (usually the reason) arrive before reporting.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(stderr_task), 1.0)
                    detail = " | ".join(self._stderr_tail)
                    self._last_failure = f"{self.argv[0]} exited with code {code}" + (
                        f": {detail}" if detail else ""
                    )
                    return
                if not got_data:
                    got_data = True
                    self._set_status("running")
                pending += data
                usable = len(pending) - len(pending) % self.block_bytes
                if usable:
                    chunk, pending = pending[:usable], pending[usable:]
                    samples = np.frombuffer(chunk, dtype="<i2").astype(np.int16, copy=False)
                    for block in np.split(samples, usable // self.block_bytes):
                        yield block
        finally:
            closed_task.cancel()
            await self._kill()
            stderr_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stderr_task

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        # Always drain stderr: a chatty program blocks once the pipe fills.
        while line := await stream.readline():
            # ffmpeg repeats the input URL in its errors, password and all.
            text = redact(line.decode(errors="replace").strip())
            if text:
                self._stderr_tail.append(text)
                _LOGGER.debug("%s: %s", self.argv[0], text)

    async def _kill(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        try:
            # A capture program has nothing to save; one blocked writing to a full pipe
            # never acts on SIGTERM, so do not wait long before SIGKILL.
            await asyncio.wait_for(_reap(proc), 0.5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            try:
                await asyncio.wait_for(_reap(proc), 5.0)
            except TimeoutError:
                _LOGGER.warning("%s (pid %s) did not exit after SIGKILL", self.argv[0], proc.pid)
        return proc.returncode

    async def close(self) -> None:
        self._closed.set()
        await self._kill()
        if self.status != "failed":
            self._set_status("ended")


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Wait for the program to exit and its output pipe to close.

    Since Python 3.12 `Process.wait()` returns only once every pipe is closed, and a pipe whose
    reader stopped reading never closes: read stdout to EOF while waiting.
    """
    if proc.stdout is not None:
        with contextlib.suppress(RuntimeError):  # another reader is draining it already
            while await proc.stdout.read(_READ_BYTES):
                pass
    await proc.wait()
