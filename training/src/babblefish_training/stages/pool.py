"""The pool stage: training clips -> augmented, class-balanced windows as features, with targets."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from babblefish_training.channel_run import ChannelSettings, RunChannels
from babblefish_training.dataset import Clip
from babblefish_training.features import window_samples
from babblefish_training.options import TrainOptions
from babblefish_training.pool import FloatArray, Synthesiser, WindowSource, build_pool, make_source
from babblefish_training.synth import noise_machine, quiet_room

from .plan import RunPlan

LOG = logging.getLogger("babblefish_training")


@dataclass(frozen=True)
class Pool:
    """Training windows (features), their targets and loss weights, and the seconds drawing took."""

    features: FloatArray
    labels: npt.NDArray[np.int64]  # label index per window
    weights: FloatArray
    seconds: float
    soft: FloatArray | None = None  # a teacher's probability rows, which fit learns instead

    @property
    def targets(self) -> npt.NDArray[np.int64] | FloatArray:
        """What the network learns: the soft targets when there are any, else the labels."""
        return self.labels if self.soft is None else self.soft


class Pooler:
    """Draws augmented pools for one run; its generator runs on between draws, so each differs.

    The run's channels (teacher, channel variety) are set up here, the teacher loaded and checked
    before any window is drawn or network built.
    """

    def __init__(self, options: TrainOptions, plan: RunPlan) -> None:
        self._options = options
        self._plan = plan
        labels = plan.labels
        self.channels = RunChannels(
            ChannelSettings(
                options.teacher, options.teacher_share, options.channel_variety, options.cache_dir
            ),
            labels=labels.labels,
            cry_label=labels.cry_label,
            seed=options.seed,
        )
        self.length = window_samples(options.frames)
        self._rng = np.random.default_rng(options.seed)
        # Vocal and animal sounds are the negatives most like cries: mixed under a cry they would
        # teach "laughing + faint wail = crying". Backgrounds are the ambient folders only.
        backgrounds = [
            c.audio
            for c in plan.train_clips
            if c.label != plan.labels.cry_label and c.ref.folder not in options.hard_negatives
        ]
        self._augmenter = self.channels.augmenter(self.length, backgrounds)
        self.channels.prepare(plan.train_clips)

    def sources(self, clips: Sequence[Clip]) -> list[WindowSource]:
        """One window source per clip, hard negatives weighted, quiet rooms kept at their level."""
        options, labels = self._options, self._plan.labels.labels
        return [
            make_source(
                c.audio,
                labels.index(c.label),
                self.length,
                weight=options.hard_weight if c.ref.folder in options.hard_negatives else 1.0,
                keep_level=c.label == options.quiet_label,
            )
            for c in clips
        ]

    def _synthesisers(self) -> dict[int, Synthesiser]:
        table: dict[str, Synthesiser] = {
            self._options.quiet_label: quiet_room,
            self._options.noise_label: noise_machine,
        }
        labels = self._plan.labels
        return {labels.labels.index(lab): table[lab] for lab in labels.synthesised}

    def draw(self, sources: list[WindowSource] | None = None) -> Pool:
        """A fresh augmented pool from these sources (default: every training clip, as is); with
        a teacher, its soft targets blend the teacher's scores into the labels."""
        options = self._options
        begun = time.monotonic()
        scorer = self.channels.scorer()
        chosen = self.sources(self._plan.train_clips) if sources is None else sources
        features, labels, weights = build_pool(
            self.channels.sources(chosen, self.length),
            self._synthesisers(),
            len(self._plan.labels.labels),
            options.windows_per_label,
            augmenter=self._augmenter,
            frames=options.frames,
            rng=self._rng,
            workers=options.workers,
            scorer=scorer,
            progress=lambda done, total: LOG.info("augmenting: %d/%d windows", done, total),
        )
        seconds = time.monotonic() - begun
        soft = self.channels.soft_targets(scorer, labels, options.label_smoothing)
        return Pool(features, labels, weights, seconds, soft)


def pool_stage(options: TrainOptions, plan: RunPlan) -> tuple[Pool, Pooler]:
    """The first training pool, and the pooler that draws any later ones from the same generator."""
    pooler = Pooler(options, plan)
    pool = pooler.draw()
    LOG.info("%d augmented windows in %.0f s", pool.features.shape[0], pool.seconds)
    return pool, pooler
