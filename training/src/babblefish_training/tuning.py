"""The monitor's operating point for a new model, tuned on a night built from held-out clips.

Without one a model gets the monitor's default shift (2 log-odds below its clip threshold), which
was tuned for one model and, measured on others' nights, let them fire several times an hour.
`train` therefore builds a night from the validation clips only (recording groups the
network never saw), replays it through the monitor's own pipeline and detector, and stores the
shift that meets every night target in model.json.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS

from .night import RATE, Audio, Night, seed_of, trim_digital_silence
from .operating_point import choose_shift, score_audio, trial
from .synth import noise_machine

if TYPE_CHECKING:
    from .dataset import Clip

LOG = logging.getLogger("babblefish_training")
TUNING_HOURS = 6.0
MAX_TUNING_HOURS = 12.0  # the night is built in memory: 12 h is 2.8 GB of float samples
CRIES_PER_HOUR = 4.0
STRETCHES_PER_HOUR = 3.0  # of other sounds, shared among the folders (bench nights: 1.5 + 1.5)
STRETCH_MINUTES = (1.0, 5.0)
STRETCH_LEVELS = (-40.0, -22.0)
SYNTHETIC_NOISE_CLIPS = 4  # noise-machine clips made up when validation has no real ones
CRY_POOL = "/crying"  # pool keys that no folder name can take
NOISE_POOL = "/noise machine"


@dataclass(frozen=True)
class NightPlan:
    """Which validation clips play which part of the night."""

    cry_label: str
    noise_label: str
    quiet_label: str
    hours: float = TUNING_HOURS
    seed: int = 0


def held_out_night(clips: Sequence[Clip], plan: NightPlan) -> Night[Audio] | None:
    """A night from these clips: cry episodes from the cry label's clips, the noise machine from
    the noise label's (or synthetic ones), and stretches of every other folder. None without cries.
    """
    rng = np.random.default_rng(seed_of(f"noise machine {plan.seed}"))
    cries = [trim_digital_silence(c.audio) for c in clips if c.label == plan.cry_label]
    if not cries:
        return None
    noise = [trim_digital_silence(c.audio) for c in clips if c.label == plan.noise_label] or [
        noise_machine(30 * RATE, rng) for _ in range(SYNTHETIC_NOISE_CLIPS)
    ]
    others: dict[str, list[Audio]] = {}
    for clip in clips:
        if clip.label not in (plan.cry_label, plan.noise_label, plan.quiet_label):
            others.setdefault(clip.ref.folder, []).append(trim_digital_silence(clip.audio))
    pools = {CRY_POOL: cries, NOISE_POOL: noise, **others}
    night: Night[Audio] = Night(
        seed_of(f"held-out night {plan.seed}"), plan.hours, pools, lambda audio: audio
    )
    night.room()
    span = night.white_noise_machine(NOISE_POOL, plan.hours)
    for folder in sorted(others):
        night.activity(
            folder, STRETCHES_PER_HOUR / len(others), minutes=STRETCH_MINUTES,
            levels=STRETCH_LEVELS, each_clip_once=True,
        )  # fmt: skip
    night.cries(CRY_POOL, CRIES_PER_HOUR, span)
    night.finish()
    return night


def tune_operating_point(
    spec: ModelSpec, clips: Sequence[Clip], plan: NightPlan, hop: float = DEFAULT_HOP_SECONDS
) -> dict[str, Any] | None:
    """model.json's "detector" block for this model (with the scan behind it); None, with a
    warning, when the held-out clips cannot make a night with cries."""
    night = held_out_night(clips, plan)
    if night is None:
        LOG.warning(
            "no validation cries to build a tuning night from: the monitor will use its default "
            "operating point for this model"
        )
        return None
    truth = night.truth()
    scores = score_audio(night.audio, spec, hop)
    del night  # hours of float audio: free them before the scan
    choice = choose_shift(functools.partial(trial, scores, spec, truth, hop), DetectorConfig())
    LOG.info(
        "operating point on a %g-h night of held-out clips (%d cry episodes): %s",
        plan.hours,
        len(truth["episodes"]),
        choice.describe(),
    )
    if not choice.passing:
        LOG.warning(
            "the tuning night's targets (recall >= 95 %, <= 1 false alarm an hour, cry minutes "
            "within 10 %, onset <= 1.5 s) are not all met at any shift; more or cleaner crying "
            "and non-crying recordings usually help"
        )
    detector = {
        "threshold_shift": choice.shift,
        "tuned_on": f"a {plan.hours:g}-h night of held-out validation clips (seed {plan.seed})",
        "tuned_with": "babblefish-train train",
        "hop_seconds": hop,
        "night_episodes": len(truth["episodes"]),
        "targets_met": bool(choice.passing),
        "passing_shifts": list(choice.passing),
        "night": choice.metrics.figures(),
        # Every shift tried: how the trade-off runs for this model, without rebuilding the night.
        "scan": [{"threshold_shift": shift, **m.figures()} for shift, m in choice.scanned],
    }
    return detector
