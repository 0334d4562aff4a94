"""The episode detector on hand-made scores: onset, hysteresis, hang-over, merge, sensitivity."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from babblefish_monitor.audio.detector import (
    CryEvent,
    Detector,
    DetectorConfig,
    onset_threshold,
    shifted_threshold,
)

HOP = 0.25
WINDOW = 1.0
# No smoothing: each window's score is taken as is, so the expected times are easy to read. No
# threshold shift: the onset threshold is the model's 0.5 (offset threshold 0.3).
PLAIN = DetectorConfig(smoothing_seconds=0.0, onset_seconds=0.5, hangover_seconds=2.0,
                       merge_gap_seconds=5.0, offset_ratio=0.6, threshold_shift=0.0)  # fmt: skip


def run(
    scores: list[float],
    config: DetectorConfig = PLAIN,
    chunk: int | None = None,
    flush: bool = True,
) -> tuple[list[CryEvent], Detector]:
    """Feed scores (one per 0.25-s window, first window ending at 1 s); events in order."""
    detector = Detector(config, model_threshold=0.5, hop_seconds=HOP)
    times = WINDOW + HOP * np.arange(len(scores))
    values = np.asarray(scores, dtype=np.float64)
    step = chunk or len(scores) or 1
    events: list[CryEvent] = []
    for i in range(0, len(scores), step):
        events += detector.process(times[i : i + step], values[i : i + step], WINDOW)
    if flush:
        events += detector.flush(float(times[-1]) if len(scores) else 0.0)
    return events, detector


def ref(index: int) -> float:
    """The moment window `index` speaks for: its centre."""
    return WINDOW + HOP * index - WINDOW / 2


def seq(*parts: tuple[float, int]) -> list[float]:
    return [value for value, count in parts for _ in range(count)]


def test_a_blip_shorter_than_the_onset_duration_is_ignored() -> None:
    events, _ = run(seq((0.0, 8), (0.9, 2), (0.0, 20)))
    assert events == []


def test_sustained_crying_starts_after_the_onset_duration() -> None:
    events, _ = run(seq((0.0, 8), (0.9, 12), (0.0, 40)))
    started, ended = events
    assert started.kind == "cry_started"
    assert started.start == ref(8)
    assert started.stream_time == WINDOW + HOP * 10  # third window above threshold: 0.5 s later
    assert ended.kind == "cry_ended" and ended.start == ref(8)
    # The end is the last crying window, not the moment the hang-over ran out.
    assert ended.end == ref(19)
    assert ended.stream_time >= ended.end + PLAIN.hangover_seconds
    assert ended.duration == pytest.approx(ref(19) - ref(8))


def test_hysteresis_dips_above_the_offset_threshold_keep_crying() -> None:
    # 0.35 is below the onset threshold (0.5) but above the offset threshold (0.3).
    events, _ = run(seq((0.9, 4), (0.35, 30), (0.9, 4), (0.0, 40)))
    assert [e.kind for e in events] == ["cry_started", "cry_ended"]
    assert events[1].end == ref(37)


def test_a_pause_shorter_than_the_hangover_is_bridged() -> None:
    events, _ = run(seq((0.9, 8), (0.0, 7), (0.9, 8), (0.0, 40)))  # 1.75 s pause
    assert [e.kind for e in events] == ["cry_started", "cry_ended"]
    assert events[1].end == ref(22)


def test_a_new_onset_within_the_merge_gap_continues_the_episode() -> None:
    # 3.5 s pause: past the 2-s hang-over, inside the 5-s merge gap.
    events, _ = run(seq((0.9, 8), (0.0, 14), (0.9, 8), (0.0, 40)))
    assert [e.kind for e in events] == ["cry_started", "cry_ended"]
    assert events[1].start == ref(0) and events[1].end == ref(29)


def test_a_new_onset_after_the_merge_gap_is_a_new_episode() -> None:
    events, _ = run(seq((0.9, 8), (0.0, 32), (0.9, 8), (0.0, 40)))  # 8 s pause
    assert [e.kind for e in events] == ["cry_started", "cry_ended", "cry_started", "cry_ended"]
    assert events[1].end == ref(7)
    assert events[2].start == ref(40)
    # Ordered in stream time: the first episode was closed before the second began.
    assert events[1].stream_time <= events[2].stream_time


def test_a_short_blip_during_the_merge_gap_does_not_reopen() -> None:
    events, _ = run(seq((0.9, 8), (0.0, 10), (0.9, 1), (0.0, 40)))
    assert [e.kind for e in events] == ["cry_started", "cry_ended"]
    assert events[1].end == ref(7)


def test_peak_score_is_the_highest_raw_score_of_the_episode() -> None:
    events, _ = run(seq((0.6, 4), (0.97, 1), (0.7, 4), (0.0, 40)))
    assert events[0].peak_score == pytest.approx(0.6)  # known at onset
    assert events[1].peak_score == pytest.approx(0.97)


def test_flush_closes_a_running_episode_at_the_last_crying_moment() -> None:
    events, detector = run(seq((0.0, 4), (0.9, 12), (0.0, 2)))
    assert [e.kind for e in events] == ["cry_started", "cry_ended"]
    assert events[1].end == ref(15)
    assert not detector.crying and detector.current_episode is None


def test_crying_and_current_episode_follow_the_state() -> None:
    _, detector = run(seq((0.9, 8)), flush=False)
    assert detector.crying
    episode = detector.current_episode
    assert (
        episode is not None and episode.start == ref(0) and episode.peak_score == pytest.approx(0.9)
    )


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_streaming_in_chunks_equals_one_go(chunk: int) -> None:
    rng = np.random.default_rng(3)
    scores = np.clip(np.repeat(rng.random(60), 5) + rng.normal(0, 0.1, 300), 0, 1).tolist()
    config = DetectorConfig(smoothing_seconds=0.75, threshold_shift=0.0)
    whole, _ = run(scores, config)
    assert whole, "the random sequence should contain some episodes"
    parts, _ = run(scores, config, chunk=chunk)
    assert parts == whole


def test_smoothing_rejects_isolated_spikes() -> None:
    spiky = seq(*[(0.9, 1), (0.1, 2)] * 20)
    assert run(spiky, PLAIN)[0] == []
    smoothed = DetectorConfig(smoothing_seconds=0.75, onset_seconds=0.5, threshold_shift=0.0)
    assert run(spiky, smoothed)[0] == []


def test_sensitivity_moves_the_threshold_in_log_odds() -> None:
    assert onset_threshold(0.5, 0.5, 3.0) == pytest.approx(0.5)
    assert onset_threshold(0.5, 1.0, 3.0) == pytest.approx(1 / (1 + np.exp(3.0)))
    assert onset_threshold(0.8, 0.0, 3.0) > 0.8
    assert 0 < onset_threshold(0.99, 1.0, 3.0) < onset_threshold(0.99, 0.5, 3.0) < 1


def test_higher_sensitivity_catches_weaker_crying_and_changes_at_run_time() -> None:
    weak = seq((0.0, 4), (0.4, 12), (0.0, 40))
    assert run(weak)[0] == []
    events, _ = run(weak, replace(PLAIN, onset_seconds=0.0, sensitivity=0.8))
    assert [e.kind for e in events] == ["cry_started", "cry_ended"]
    detector = Detector(PLAIN, model_threshold=0.5, hop_seconds=HOP)
    detector.set_sensitivity(0.8)
    assert detector.on_threshold < 0.4 and detector.sensitivity == 0.8
    assert detector.off_threshold == pytest.approx(detector.on_threshold * 0.6)


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan")])
def test_bad_sensitivity_is_refused(value: float) -> None:
    detector = Detector(PLAIN, model_threshold=0.5, hop_seconds=HOP)
    with pytest.raises(ValueError, match="sensitivity must lie between 0 and 1"):
        detector.set_sensitivity(value)
    with pytest.raises(ValueError, match="sensitivity"):
        DetectorConfig(sensitivity=value)


def test_explicit_threshold_overrides_the_model() -> None:
    detector = Detector(DetectorConfig(threshold=0.8), model_threshold=0.5, hop_seconds=HOP)
    assert detector.on_threshold == pytest.approx(0.8)


def test_the_default_threshold_sits_below_the_models_by_the_shift() -> None:
    detector = Detector(DetectorConfig(), model_threshold=0.99, hop_seconds=HOP)
    assert detector.on_threshold == pytest.approx(shifted_threshold(0.99, 2.0))
    assert 0.9 < detector.on_threshold < 0.99
    assert shifted_threshold(0.5, 0.0) == pytest.approx(0.5)
    assert shifted_threshold(0.5, -1.0) == pytest.approx(1 / (1 + np.exp(-1.0)))
    # Sensitivity moves from that point: 0.5 is the tuned default, 1 detects most.
    detector.set_sensitivity(1.0)
    assert detector.on_threshold == pytest.approx(shifted_threshold(0.99, 5.0))


def test_an_episode_starts_where_the_scores_rose_past_the_offset_threshold() -> None:
    # Rising: 0.35 (above the 0.3 offset threshold) for 1 s before the onset threshold is reached.
    # The decision waits for the onset; the episode is dated back to the rise, the same hysteresis
    # as its end, so its length is not biased short.
    events, _ = run(seq((0.0, 8), (0.35, 4), (0.9, 8), (0.35, 2), (0.0, 40)))
    started, ended = events
    assert started.start == ref(8)
    assert started.stream_time == WINDOW + HOP * 14  # third window at 0.9
    assert ended.end == ref(21)
    assert ended.duration == pytest.approx(ref(21) - ref(8))


def test_a_rise_that_falls_back_is_forgotten() -> None:
    events, _ = run(seq((0.0, 8), (0.35, 4), (0.1, 1), (0.9, 8), (0.0, 40)))
    assert events[0].start == ref(13)


def test_a_rise_spanning_two_calls_is_remembered() -> None:
    scores = seq((0.0, 8), (0.35, 4), (0.9, 8), (0.0, 40))
    whole, _ = run(scores)
    for chunk in (1, 5, 10):
        assert run(scores, chunk=chunk)[0] == whole
    assert whole[0].start == ref(8)
