"""A class-balanced pool of augmented training windows, as features, drawn from clips and synthesis."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from babblefish_monitor.frontend import FRONTEND, log_mel

from .augment import Augmenter
from .levels import window_levels

FloatArray = npt.NDArray[np.float32]
Synthesiser = Callable[[int, np.random.Generator], FloatArray]
LEAD_IN = FRONTEND.sample_rate // 8  # settles filters and lets reverb tails arrive
ACTIVE_WITHIN_DB = 12.0


@dataclass
class WindowSource:
    """A training clip, padded for cropping, with the crop starts where its sound is active."""

    audio: FloatArray
    label_index: int
    starts: npt.NDArray[np.int64]
    weight: float = 1.0
    keep_level: bool = False


def make_source(
    audio: FloatArray, label_index: int, length: int, weight: float = 1.0, keep_level: bool = False
) -> WindowSource:
    """Pad and find active crops: windows within 12 dB of the clip's loudest (not its zero padding)."""
    need = length + LEAD_IN
    if audio.size < need:
        audio = np.concatenate([np.zeros(need - audio.size, dtype=np.float32), audio])
    hop = FRONTEND.sample_rate // 20
    levels = window_levels(audio[LEAD_IN:], length, hop)
    active = np.flatnonzero(levels >= levels.max() - ACTIVE_WITHIN_DB) * hop
    if keep_level:
        active = np.arange(len(levels)) * hop
    return WindowSource(audio, label_index, active.astype(np.int64), weight, keep_level)


def _crop(source: WindowSource, length: int, rng: np.random.Generator) -> FloatArray:
    base = int(source.starts[int(rng.integers(source.starts.size))])
    jitter = int(rng.integers(-FRONTEND.sample_rate // 20, FRONTEND.sample_rate // 20 + 1))
    start = int(np.clip(base + jitter, 0, source.audio.size - length - LEAD_IN))
    return source.audio[start : start + length + LEAD_IN]


def build_pool(
    sources: Sequence[WindowSource],
    synthesisers: dict[int, Synthesiser],
    label_count: int,
    per_label: int,
    *,
    augmenter: Augmenter,
    frames: int,
    rng: np.random.Generator,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Features, label indices and loss weights of `per_label` windows for every label.

    Clips are drawn uniformly within a label; synthesised labels mix synthesis with any real clips.
    A clip's weight (hard negatives count more) becomes its windows' loss weight.
    """
    length = augmenter.length
    by_label: dict[int, list[WindowSource]] = {i: [] for i in range(label_count)}
    for source in sources:
        by_label[source.label_index].append(source)
    total = per_label * label_count
    features = np.empty((total, frames, FRONTEND.mel_bins), dtype=np.float32)
    targets = np.empty(total, dtype=np.int64)
    loss_weights = np.ones(total, dtype=np.float32)
    row = 0
    for index in range(label_count):
        real = by_label[index]
        synth = synthesisers.get(index)
        for _ in range(per_label):
            if synth is not None and (not real or rng.uniform() < 0.5):
                window = synth(length, rng)
            else:
                source = real[int(rng.integers(len(real)))]
                window = augmenter(_crop(source, length, rng), rng, keep_level=source.keep_level)
                loss_weights[row] = source.weight
            features[row] = log_mel(window)[:frames]
            targets[row] = index
            row += 1
            if progress is not None and row % 2000 == 0:
                progress(row, total)
    order = rng.permutation(total)
    return features[order], targets[order], loss_weights[order]
