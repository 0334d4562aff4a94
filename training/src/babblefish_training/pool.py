"""A class-balanced pool of augmented training windows, as features, drawn from clips and synthesis."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.frontend import FRONTEND, log_mel

from .augment import Augmenter
from .levels import window_levels

FloatArray = npt.NDArray[np.float32]
Synthesiser = Callable[[int, np.random.Generator], FloatArray]
LEAD_IN = FRONTEND.sample_rate // 8  # settles filters and lets reverb tails arrive
ACTIVE_WITHIN_DB = 12.0
CHUNK = 250


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
    workers: int = 1,
    scorer: WindowScorer | None = None,
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Features, label indices and loss weights of `per_label` windows for every label.

    Clips are drawn uniformly within a label; synthesised labels mix synthesis with any real clips.
    A clip's weight (hard negatives count more) becomes its windows' loss weight. Work is cut into
    fixed chunks with their own random streams, so the pool depends on the seed, not on `workers`
    (threads: the FFTs, filters and matrix products release the GIL). With a `scorer` (a
    teacher), each chunk's waveforms are scored too and the rows land in `scorer.rows`, in the
    pool's order.
    """
    by_label: dict[int, list[WindowSource]] = {i: [] for i in range(label_count)}
    for source in sources:
        by_label[source.label_index].append(source)
    total = per_label * label_count
    features = np.empty((total, frames, FRONTEND.mel_bins), dtype=np.float32)
    targets = np.repeat(np.arange(label_count, dtype=np.int64), per_label)
    loss_weights = np.ones(total, dtype=np.float32)
    chunks = [(start, min(start + CHUNK, total)) for start in range(0, total, CHUNK)]
    streams = rng.spawn(len(chunks))
    done = 0

    def fill(chunk: int) -> int:
        start, stop = chunks[chunk]
        local = streams[chunk]
        waveforms = []
        for row in range(start, stop):
            index = int(targets[row])
            real = by_label[index]
            synth = synthesisers.get(index)
            if synth is not None and (not real or local.uniform() < 0.5):
                window = synth(augmenter.length, local)
            else:
                source = real[int(local.integers(len(real)))]
                crop = _crop(source, augmenter.length, local)
                window = augmenter(crop, local, keep_level=source.keep_level)
                loss_weights[row] = source.weight
            features[row] = log_mel(window)[:frames]
            if scorer is not None:
                waveforms.append(window)
        if scorer is not None:
            scorer.take(start, scorer.score(np.stack(waveforms)), total)
        return stop - start

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for finished in pool.map(fill, range(len(chunks))):
            done += finished
            if progress is not None and done % (CHUNK * 8) < finished:
                progress(done, total)
    order = rng.permutation(total)
    if scorer is not None:
        scorer.reorder(order)
    return features[order], targets[order], loss_weights[order]


class WindowScorer:
    """Scores a pool's raw waveforms as they are made (a teacher hears audio, not features)."""

    def __init__(self, score: Callable[[FloatArray], FloatArray]) -> None:
        self._score = score
        self._lock = threading.Lock()
        self.rows: FloatArray = np.zeros((0, 0), dtype=np.float32)

    def score(self, windows: FloatArray) -> FloatArray:
        with self._lock:  # one interpreter: chunks take turns, augmentation runs on meanwhile
            return self._score(windows)

    def take(self, start: int, scores: FloatArray, total: int) -> None:
        with self._lock:
            if self.rows.shape[0] != total:
                self.rows = np.zeros((total, scores.shape[1]), dtype=np.float32)
            self.rows[start : start + scores.shape[0]] = scores

    def reorder(self, order: npt.NDArray[np.int64]) -> None:
        self.rows = self.rows[order]
