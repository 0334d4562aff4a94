"""Stress checks on validation: quiet cries, cries under a noise machine, and synthetic empty rooms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .levels import set_rms_dbfs
from .scoring import Scorer
from .synth import coloured_noise, noise_machine, quiet_room

FloatArray = npt.NDArray[np.float32]
SYNTH_CLIPS = 40
SYNTH_SECONDS = 5


def _mixed(cry: FloatArray, snr_db: float, rng: np.random.Generator) -> FloatArray:
    cry = set_rms_dbfs(cry, -30.0)
    noise = set_rms_dbfs(
        coloured_noise(cry.size, float(rng.choice([0.0, 1.0, 2.0])), rng), -30.0 - snr_db
    )
    return np.clip(cry + noise, -1, 1).astype(np.float32)


def stress_report(
    cries: Sequence[FloatArray], scorer: Scorer, *, seed: int = 0
) -> dict[str, float | None]:
    """Cry recall when cries are quiet or masked, and false alarms on synthetic quiet/noise clips."""
    rng = np.random.default_rng(seed)

    def rate(audios: Sequence[FloatArray]) -> float | None:
        if not audios:
            return None
        return float(np.mean(scorer.hits(audios)))

    samples = SYNTH_SECONDS * 16_000
    return {
        "cry_recall_at_-35_dBFS": rate([set_rms_dbfs(c, -35.0) for c in cries]),
        "cry_recall_at_-45_dBFS": rate([set_rms_dbfs(c, -45.0) for c in cries]),
        "cry_recall_under_noise_snr_0_dB": rate([_mixed(c, 0.0, rng) for c in cries]),
        "cry_recall_under_noise_snr_-5_dB": rate([_mixed(c, -5.0, rng) for c in cries]),
        "false_alarm_rate_synthetic_quiet_rooms": rate(
            [quiet_room(samples, rng) for _ in range(SYNTH_CLIPS)]
        ),
        "false_alarm_rate_synthetic_noise_machines": rate(
            [noise_machine(samples, rng) for _ in range(SYNTH_CLIPS)]
        ),
    }
