"""A night's true cry episodes start when the crying can be heard, not where the clip file starts."""

from __future__ import annotations

import numpy as np
from babblefish_training.night import RATE, Night, audible_span


def _cry_after_silence(
    lead_in_s: float, cry_s: float, click_at_s: float | None = None
) -> np.ndarray:
    """A recording that opens with near-silence (and maybe one 50-ms click) before a loud cry."""
    rng = np.random.default_rng(0)
    quiet = rng.standard_normal(int(lead_in_s * RATE)).astype(np.float32) * 1e-4
    if click_at_s is not None:
        at = int(click_at_s * RATE)
        quiet[at : at + RATE // 20] = 0.3
    t = np.arange(int(cry_s * RATE)) / RATE
    cry = (0.3 * np.sin(2 * np.pi * 450 * t)).astype(np.float32)
    tail = rng.standard_normal(RATE).astype(np.float32) * 1e-4
    return np.concatenate([quiet, cry, tail])


def test_the_heard_span_skips_a_silent_lead_in_and_tail() -> None:
    start, end = audible_span(_cry_after_silence(4.0, 3.0))
    assert abs(start / RATE - 4.0) <= 0.05
    assert abs(end / RATE - 7.0) <= 0.05


def test_a_lone_click_before_the_cry_is_not_its_onset() -> None:
    start, _ = audible_span(_cry_after_silence(4.0, 3.0, click_at_s=1.0))
    assert abs(start / RATE - 4.0) <= 0.05


def test_episode_truth_starts_where_its_first_cry_is_heard() -> None:
    cry = _cry_after_silence(5.0, 8.0)
    night = Night(7, 0.2, {"crying": [cry]}, lambda clip: clip)
    night.cries("crying", per_hour=20, masked_span=(0, 0))
    assert night.episodes
    for episode in night.episodes:
        placed = np.flatnonzero(np.abs(night.audio) > 0.01)
        heard = placed[(placed >= int(episode.start * RATE) - RATE)][0] / RATE
        # The episode's onset is the cry's first sample in the night, to within one frame.
        assert abs(episode.start - heard) <= 0.05
