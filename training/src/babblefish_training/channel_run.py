"""One run's teacher and channel variety: what the pool stage asks for, set up before any training."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .augment import Augmenter
from .channel import FloatArray, phone_renditions, room_bank
from .channel_mix import (
    Balance,
    ChannelAugmenter,
    balance_channels,
    channel_config_for,
)
from .dataset import Clip
from .pool import WindowScorer, WindowSource
from .teacher import DEFAULT_TEACHER_SHARE, Teacher, TeacherScores, teacher_targets

LOG = logging.getLogger("babblefish_training")
NARROW_ABOVE_HZ = 4100.0
NARROW_BELOW_DB = -30.0  # 8 kHz recordings resampled to 16 kHz: mostly -35 to -65 dB


def is_narrow_band(audio: FloatArray, rate: int = 16_000) -> bool:
    """True when the clip carries (next to) nothing above 4.1 kHz: an 8 kHz or phone recording."""
    if audio.size < 512:
        return False
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(audio.size, 1 / rate)
    total = float(spectrum.sum()) or 1.0
    high = float(spectrum[freqs > NARROW_ABOVE_HZ].sum())
    return bool(10 * np.log10(high / total + 1e-15) < NARROW_BELOW_DB)


@dataclass(frozen=True)
class ChannelSettings:
    """What `train` was asked for: a teacher file (or none) and which parts of channel variety
    (none: off)."""

    teacher: Path | None = None
    teacher_share: float = DEFAULT_TEACHER_SHARE
    parts: frozenset[str] = frozenset()
    cache_dir: Path | None = None

    @property
    def channel(self) -> bool:
        return bool(self.parts)

    @property
    def phone_lines(self) -> bool:
        return "phone" in self.parts


class RunChannels:
    """Loads and checks the teacher at once (before any training), then serves the pool stage."""

    def __init__(
        self, settings: ChannelSettings, *, labels: Sequence[str], cry_label: str, seed: int
    ) -> None:
        self.settings = settings
        self.labels = list(labels)
        self.cry_label = cry_label
        self.seed = seed
        cache = settings.cache_dir
        self.teacher = (
            None
            if settings.teacher is None
            else Teacher(settings.teacher, None if cache is None else cache / "teacher")
        )
        self.config = channel_config_for(settings.parts)
        self.balance: dict[int, Balance] = {}
        self._phone: list[FloatArray | None] | None = None
        self._narrow: list[bool] = []

    def augmenter(self, length: int, backgrounds: Sequence[FloatArray]) -> Augmenter:
        """The base augmenter, or with channel variety one that adds rooms and microphones."""
        if not self.settings.channel:
            return Augmenter(length, backgrounds)
        rooms = room_bank(self.config.rooms, self.seed) if self.config.room_prob else []
        LOG.info("channel variety (%s): %d simulated rooms (0.5-4 m)",
                 ", ".join(sorted(self.settings.parts)), len(rooms))  # fmt: skip
        return ChannelAugmenter(length, backgrounds, rooms, self.config)

    def prepare(self, clips: Sequence[Clip]) -> None:
        """Phone renditions of the full-band training clips (ffmpeg; cached on disk)."""
        if not self.settings.phone_lines:
            return
        self._narrow = [is_narrow_band(c.audio) for c in clips]
        full = [i for i, narrow in enumerate(self._narrow) if not narrow]
        cache = None if self.settings.cache_dir is None else self.settings.cache_dir / "phone"
        coded = phone_renditions([clips[i].audio for i in full], self.seed, cache)
        self._phone = [None] * len(clips)
        for i, audio in zip(full, coded, strict=True):
            self._phone[i] = audio
        LOG.info("phone lines: %d of %d training clips are narrow-band already; %d renditions",
                 sum(self._narrow), len(clips), len(full))  # fmt: skip

    def sources(self, sources: list[WindowSource], length: int) -> list[WindowSource]:
        """The clips' sources (aligned with `prepare`'s clips) with the channel balanced."""
        if not self.settings.phone_lines or self._phone is None:
            return sources
        balanced, self.balance = balance_channels(
            sources, self._narrow, self._phone, length=length, config=self.config
        )
        return balanced

    def scorer(self) -> WindowScorer | None:
        """A fresh scorer for one pool, when there is a teacher."""
        teacher = self.teacher
        if teacher is None:
            return None

        def groups(windows: FloatArray) -> FloatArray:
            scores = teacher.score(windows)
            return np.stack([scores.cry, scores.speech, scores.laughter], axis=1)

        return WindowScorer(groups)

    def soft_targets(
        self, scorer: WindowScorer | None, labels: npt.NDArray[np.int64], smoothing: float
    ) -> FloatArray | None:
        """The teacher-blended targets of a pool scored by `scorer` (None without a teacher)."""
        if scorer is None:
            return None
        rows = scorer.rows
        scores = TeacherScores(rows[:, 0], rows[:, 1], rows[:, 2])
        cry = self.labels.index(self.cry_label)
        LOG.info(
            "teacher: cry score %.2f on cry windows, %.2f on the rest (means)",
            float(scores.cry[labels == cry].mean()) if (labels == cry).any() else 0.0,
            float(scores.cry[labels != cry].mean()) if (labels != cry).any() else 0.0,
        )
        return teacher_targets(
            scores, labels, self.labels, cry_label=self.cry_label,
            share=self.settings.teacher_share, label_smoothing=smoothing,
        )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        """For model.json's training record."""
        out: dict[str, Any] = {"channel": self.settings.channel}
        if self.teacher is not None:
            out["teacher"] = {"file": self.teacher.path.name, "sha256": self.teacher.digest,
                              "share": self.settings.teacher_share,
                              "classes": "cry 19-21, speech 0-4, laughter 13-18"}  # fmt: skip
        if self.settings.channel:
            out["channel_parts"] = sorted(self.settings.parts)
            out["channel_config"] = {
                k: getattr(self.config, k) for k in self.config.__dataclass_fields__
            }
            out["channel_balance"] = {
                self.labels[k]: vars(v) for k, v in sorted(self.balance.items())
            }
        return out
