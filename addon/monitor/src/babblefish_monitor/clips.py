"""Opt-in cry clips: each episode's audio, with a little before it, as a WAV file on local disk."""

from __future__ import annotations

import logging
import time
from collections import deque
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16_000


class ClipRecorder:
    """Keeps a few seconds of audio in memory and writes it out only while an episode runs.

    Nothing touches the disk unless the user turned clip recording on: the audio of a quiet
    nursery stays in this ring buffer and is overwritten.
    """

    def __init__(
        self,
        directory: Path,
        *,
        pre_roll_s: float = 2.0,
        buffer_s: float = 10.0,
        max_clip_s: float = 600.0,
        keep_days: float = 14.0,
    ) -> None:
        self.directory = directory
        self.pre_roll_s = pre_roll_s
        self.max_clip_samples = int(max_clip_s * SAMPLE_RATE)
        self.keep_days = keep_days
        self._ring: deque[npt.NDArray[np.int16]] = deque()
        self._ring_samples = 0
        self._ring_limit = int(buffer_s * SAMPLE_RATE)
        self._file: sf.SoundFile | None = None
        self._written = 0
        self.path: Path | None = None

    @property
    def recording(self) -> bool:
        return self._file is not None

    def feed(self, block: npt.NDArray[np.int16]) -> None:
        """Every audio block passes here; it is written only while an episode is open."""
        if self._file is not None and self._written < self.max_clip_samples:
            self._write(block)
        self._ring.append(block)
        self._ring_samples += block.size
        while self._ring and self._ring_samples - self._ring[0].size >= self._ring_limit:
            self._ring_samples -= self._ring.popleft().size

    def start(self, wall_start: datetime, seconds_since_start: float) -> None:
        """Open a clip for an episode that began `seconds_since_start` ago (plus the pre-roll)."""
        self.stop()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prune()
        stamp = wall_start.strftime("%Y%m%d-%H%M%S")
        self.path = self.directory / f"cry-{stamp}.wav"
        try:
            self._file = sf.SoundFile(
                self.path, mode="w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16"
            )
        except (OSError, RuntimeError) as err:
            _LOGGER.warning("cannot record a clip to %s: %s", self.path, err)
            self._file = None
            return
        self._written = 0
        wanted = int((seconds_since_start + self.pre_roll_s) * SAMPLE_RATE)
        buffered = np.concatenate(list(self._ring)) if self._ring else np.zeros(0, np.int16)
        self._write(buffered[-wanted:] if wanted > 0 else buffered[:0])

    def stop(self) -> None:
        """Close the running clip, if any."""
        if self._file is not None:
            self._file.close()
            _LOGGER.info("cry clip saved: %s (%.1f s)", self.path, self._written / SAMPLE_RATE)
        self._file = None

    def prune(self) -> None:
        """Delete clips older than `keep_days` so an opted-in disk does not fill up."""
        cutoff = time.time() - self.keep_days * 86_400
        for old in self.directory.glob("cry-*.wav"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)

    def _write(self, samples: npt.NDArray[np.int16]) -> None:
        assert self._file is not None
        room = self.max_clip_samples - self._written
        chunk = samples[:room]
        try:
            self._file.write(chunk)
        except (OSError, RuntimeError) as err:  # disk full: stop this clip, keep monitoring
            _LOGGER.warning("clip recording stopped: %s", err)
            self._file.close()
            self._file = None
            return
        self._written += chunk.size
