"""Augmentation and synthesis keep window shape, stay finite and respect their level bounds."""

from __future__ import annotations

import numpy as np
import pytest
from babblefish_training.augment import AugmentConfig, Augmenter
from babblefish_training.features import window_samples
from babblefish_training.levels import rms_dbfs
from babblefish_training.pool import LEAD_IN, build_pool, make_source
from babblefish_training.synth import coloured_noise, noise_machine, quiet_room

LENGTH = window_samples(98)


def _segment(rng: np.random.Generator, level: float = 0.3) -> np.ndarray:
    t = np.arange(LENGTH + LEAD_IN) / 16_000
    return (level * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32
    )


@pytest.mark.parametrize("seed", range(3))
def test_augmented_window_shape_and_level(seed: int) -> None:
    rng = np.random.default_rng(seed)
    backgrounds = [rng.standard_normal(8000).astype(np.float32) * 0.1]
    augmenter = Augmenter(LENGTH, backgrounds)
    low, high = AugmentConfig().level_dbfs
    for _ in range(60):
        out = augmenter(_segment(rng), rng)
        assert out.shape == (LENGTH,)
        assert out.dtype == np.float32
        assert np.all(np.isfinite(out))
        assert np.abs(out).max() <= 1.0
        # Clipping can only lower the level below the drawn target.
        assert low - 6.0 <= rms_dbfs(out) <= high + 0.01


def test_keep_level_stays_near_the_original() -> None:
    rng = np.random.default_rng(1)
    augmenter = Augmenter(LENGTH)
    for _ in range(40):
        segment = _segment(rng, level=0.001)
        original = rms_dbfs(segment[-LENGTH:])
        out = augmenter(segment, rng, keep_level=True)
        assert out.shape == (LENGTH,)
        assert abs(rms_dbfs(out) - original) <= 6.01


def test_synthesised_levels() -> None:
    rng = np.random.default_rng(2)
    for _ in range(40):
        quiet = quiet_room(LENGTH, rng)
        assert quiet.shape == (LENGTH,) and rms_dbfs(quiet) <= -50
        machine = noise_machine(LENGTH, rng)
        assert machine.shape == (LENGTH,) and -45.5 <= rms_dbfs(machine) <= -11.5
    for beta in (0.0, 1.0, 2.0):
        noise = coloured_noise(LENGTH, beta, rng)
        assert abs(rms_dbfs(noise)) < 0.01


def test_pool_is_balanced_with_bounded_features() -> None:
    rng = np.random.default_rng(3)
    sources = [make_source(_segment(rng)[:4000], 0, LENGTH), make_source(_segment(rng), 1, LENGTH)]
    features, targets, weights = build_pool(
        sources, {2: quiet_room}, 3, 20, augmenter=Augmenter(LENGTH), frames=98, rng=rng
    )
    assert features.shape == (60, 98, 40)
    assert np.bincount(targets).tolist() == [20, 20, 20]
    assert np.all(np.isfinite(features)) and np.all(weights == 1.0)
    assert features.min() >= np.log(1e-6) - 1e-3
