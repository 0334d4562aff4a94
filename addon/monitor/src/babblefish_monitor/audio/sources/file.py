"""A WAV/FLAC file as a source: converted to 16 kHz mono, paced in real time or not, looped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile

from .base import BLOCK_SAMPLES, SAMPLE_RATE, AudioSource, Block, SourceError, StatusCallback
from .resample import Resampler


def _to_int16(audio: npt.NDArray[np.float32]) -> Block:
    scaled = np.clip(np.round(audio * 32768.0), -32768, 32767)
    return np.asarray(scaled, dtype=np.int16)


class FileSource(AudioSource):
    """Reads a sound file with soundfile; any rate and channel count comes out 16 kHz mono int16."""

    def __init__(
        self,
        path: Path | str,
        *,
        realtime: bool = True,
        loop: bool = False,
        block_samples: int = BLOCK_SAMPLES,
        name: str | None = None,
        on_status: StatusCallback | None = None,
    ) -> None:
        super().__init__(name or f"file:{path}", on_status)
        self.path = Path(path)
        self.realtime = realtime
        self.loop = loop
        self.block_samples = block_samples
        self._closed = asyncio.Event()
        self.info = self._probe()

    def _probe(self) -> Any:
        if self.path.is_dir():
            raise SourceError(f"audio file {self.path} is a directory; give a WAV or FLAC file")
        if not self.path.is_file():
            raise SourceError(f"audio file {self.path} does not exist")
        try:
            info = soundfile.info(str(self.path))
        except (RuntimeError, soundfile.LibsndfileError) as err:
            raise SourceError(
                f"cannot read {self.path} as audio (WAV or FLAC expected): {err}"
            ) from err
        if info.frames == 0:
            raise SourceError(f"audio file {self.path} holds no samples")
        return info

    @property
    def native(self) -> bool:
        """True when the file is already 16 kHz mono 16-bit: read bit-exact, no conversion."""
        return bool(
            self.info.samplerate == SAMPLE_RATE
            and self.info.channels == 1
            and self.info.subtype == "PCM_16"
        )

    async def blocks(self) -> AsyncIterator[Block]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        delivered = 0
        self._set_status("running")
        try:
            while not self._closed.is_set():
                for block in self._read_once():
                    if self._closed.is_set():
                        return
                    yield block
                    delivered += block.size
                    await self._pace(started + delivered / SAMPLE_RATE)
                if not self.loop:
                    break
        except SourceError as err:
            # A file that turns bad half-way is reported, not raised into the audio loop.
            self._set_status("failed", str(err))
        finally:
            if self.status in ("starting", "running"):
                self._set_status("ended")

    async def _pace(self, due: float) -> None:
        if not self.realtime:
            await asyncio.sleep(0)  # let the rest of the event loop breathe
            return
        # Pacing, not synchronisation: hold a block until its audio time.
        delay = due - asyncio.get_running_loop().time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), delay)

    def _read_once(self) -> Iterator[Block]:
        """One pass over the file, as a plain generator of converted blocks."""
        native = self.native
        resampler = (
            None
            if self.info.samplerate == SAMPLE_RATE
            else Resampler(self.info.samplerate, SAMPLE_RATE)
        )
        # Read in the file's own rate so each output block is roughly block_samples long.
        frames_per_read = max(1, round(self.block_samples * self.info.samplerate / SAMPLE_RATE))
        pending: Block = np.zeros(0, dtype=np.int16)
        try:
            with soundfile.SoundFile(str(self.path)) as handle:
                while True:
                    if native:
                        data = handle.read(frames_per_read, dtype="int16")
                        out = np.ascontiguousarray(data)
                    else:
                        data = handle.read(frames_per_read, dtype="float32", always_2d=True)
                        mono = (
                            data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
                        )
                        out = _to_int16(resampler.process(mono) if resampler else mono)
                    if data.shape[0] == 0:
                        break
                    if resampler is None:
                        yield out
                        continue
                    # Resampled blocks vary by a sample or two; re-cut them to a steady size.
                    pending = np.concatenate([pending, out])
                    while pending.size >= self.block_samples:
                        yield pending[: self.block_samples]
                        pending = pending[self.block_samples :]
        except (RuntimeError, soundfile.LibsndfileError) as err:
            raise SourceError(f"cannot read {self.path}: {err}") from err
        if pending.size:
            yield pending

    async def close(self) -> None:
        self._closed.set()
        if self.status in ("starting", "running"):
            self._set_status("ended")
