"""The per-home correction: silences near-repeats of false alarms, never a known cry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.detector import Detector, DetectorConfig
from babblefish_monitor.labels.adapt import Evidence, FitReport, Sample, fit

from tests.labels.helpers import NIGHT_START, replayed_night

HOP, WINDOW = 0.5, 1.0
RNG = np.random.default_rng(3)


def _detector() -> Detector:
    return Detector(DetectorConfig(threshold=0.5), 0.5, HOP)


def _sample(name: str, center: npt.NDArray[np.float64], cry: float, n: int = 20) -> Sample:
    times = WINDOW + HOP * np.arange(n)
    features = center + 0.05 * RNG.standard_normal((n, center.size))
    return Sample(name, np.column_stack([times, np.full(n, cry), features]).astype(np.float32))


def _references() -> list[Sample]:
    """Varied cries, as the shipped reference set is: they set the scale of 'close'."""
    return [_sample(f"ref {i}", 2 * RNG.standard_normal(12), 0.95) for i in range(6)]


def _fit(evidence: Evidence) -> FitReport:
    evidence.reference = evidence.reference or _references()
    detector = _detector()
    return fit(evidence, _detector, WINDOW, detector.on_threshold, detector.off_threshold)


def test_a_false_alarm_unlike_every_cry_is_silenced() -> None:
    cry, dog = RNG.standard_normal(12), RNG.standard_normal(12) + 3.0
    evidence = Evidence(
        false_alarms=[_sample("dog", dog, 0.9)],
        cries=[_sample("cry at 02:10", cry, 0.9)],
    )
    report = _fit(evidence)
    assert report.status == "applied" and report.false_alarms_removed == 1
    correction = report.correction
    assert correction is not None
    again = _sample("dog again", dog, 0.9)
    assert np.all(correction.adjust(again.features, again.cry) == 0.0)
    kept = _sample("another cry", cry, 0.9)
    assert np.all(correction.adjust(kept.features, kept.cry) == kept.cry)


def test_a_correction_that_would_drop_a_confirmed_cry_is_refused() -> None:
    cry = RNG.standard_normal(12)
    evidence = Evidence(
        # The parent called a cry "not crying", and confirmed another just like it.
        false_alarms=[_sample("mislabelled cry", cry, 0.9)],
        cries=[_sample("cry at 02:10", cry, 0.9)],
    )
    report = _fit(evidence)
    assert report.status == "refused" and report.correction is None
    assert "cry you confirmed (cry at 02:10)" in report.reason


def test_a_missed_cry_is_raised_past_the_threshold() -> None:
    quiet_cry = RNG.standard_normal(12)
    evidence = Evidence(missed=[_sample("missed at 03:00", quiet_cry, 0.3)])
    report = _fit(evidence)
    assert report.status == "applied" and report.missed_recovered == 1


async def test_a_labelled_false_alarm_stops_firing_and_the_other_episode_still_does(
    tmp_path: Path,
) -> None:
    async with replayed_night(tmp_path) as mon:
        labels = mon.monitor.labels
        assert labels is not None and mon.monitor.tally is not None
        _, second = sorted(e.id for e in mon.monitor.tally.history(2, mon.monitor.now().date())[1])
        labels.label_episode(second, "not_crying", "animal")
        await labels.relearn()
        assert labels.report.status == "applied", labels.report.reason
        assert labels.adaptation()["reference_cries"] == 16
    async with replayed_night(tmp_path) as mon:
        assert mon.monitor.tally is not None
        starts = [e.start for e in mon.monitor.tally.history(2, mon.monitor.now().date())[1]]
    # The replay again: the first episode (26 s in) once more, the labelled one (83 s in) no longer.
    offsets = sorted(int((s - NIGHT_START).total_seconds() // 10) * 10 for s in starts)
    assert offsets == [20, 20, 80], offsets
