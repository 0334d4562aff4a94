"""Streaming pipeline with a real LiteRT model: windows, events, levels, streaming == offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.audio.detector import (
    DEFAULT_THRESHOLD_SHIFT,
    DetectorConfig,
    shifted_threshold,
)
from babblefish_monitor.audio.model import ModelError, load_model_dir
from babblefish_monitor.audio.pipeline import Pipeline, PipelineOutput
from tone_model import CRY_HZ, TALK_HZ, quiet, tone


def make(model_dir: Path, **kwargs: object) -> Pipeline:
    return Pipeline(load_model_dir(model_dir), **kwargs)  # type: ignore[arg-type]


def feed(pipeline: Pipeline, audio: np.ndarray, block: int | list[int] = 1600) -> PipelineOutput:
    """Feed audio in blocks (a fixed size or a list of sizes, cycled), then flush; merged output."""
    sizes = block if isinstance(block, list) else [block]
    total = PipelineOutput()
    i = k = 0
    while i < audio.size:
        out = pipeline.process(audio[i : i + sizes[k % len(sizes)]])
        i += sizes[k % len(sizes)]
        k += 1
        total.windows += out.windows
        total.events += out.events
        total.levels += out.levels
    total.events += pipeline.flush().events
    return total


def night(seed: int = 0) -> np.ndarray:
    """Quiet, a 10-s 'cry' from 3 s, quiet, a talking tone, quiet again: 40 s."""
    return np.concatenate([quiet(3, seed=seed), tone(CRY_HZ, 10, -25), quiet(12, seed=seed + 1),
                           tone(TALK_HZ, 5, -25), quiet(10, seed=seed + 2)])  # fmt: skip


def test_quiet_gives_windows_and_levels_but_no_events(tone_model_dir: Path) -> None:
    pipeline = make(tone_model_dir)  # the default hop: 0.5 s
    out = feed(pipeline, quiet(5.0))
    assert out.events == []
    assert [round(w.stream_time, 3) for w in out.windows[:3]] == [0.995, 1.495, 1.995]
    assert len(out.windows) == 9 and pipeline.stream_time == 5.0
    assert {w.sound_class for w in out.windows} != {"crying"}
    assert set(out.windows[0].scores) == {"crying", "talking", "white_noise", "quiet", "other"}
    assert [lv.stream_time for lv in out.levels] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert all(-80 < lv.rms_dbfs < -60 for lv in out.levels)


def test_a_cry_is_one_episode_with_prompt_onset_and_true_end(tone_model_dir: Path) -> None:
    out = feed(make(tone_model_dir), night())
    assert [e.kind for e in out.events] == ["cry_started", "cry_ended"]
    started, ended = out.events
    assert started.start == pytest.approx(3.0, abs=0.5)
    assert 0 < started.stream_time - 3.0 <= 1.5  # onset latency in stream time
    assert ended.end == pytest.approx(13.0, abs=0.5)
    assert ended.duration == pytest.approx(10.0, abs=0.75)
    assert ended.peak_score > 0.9
    classes = {round(w.stream_time, 2): w.sound_class for w in out.windows}
    assert classes[8.0] == "crying" and classes[28.0] == "talking"


@pytest.mark.parametrize("blocks", [[1600], [160], [123, 4567, 16000, 999], [16000 * 40]])
def test_streaming_in_any_blocks_equals_offline(tone_model_dir: Path, blocks: list[int]) -> None:
    audio = night()
    offline = feed(make(tone_model_dir), audio, block=audio.size)
    streamed = feed(make(tone_model_dir), audio, block=blocks)
    assert streamed.events == offline.events
    assert [w.stream_time for w in streamed.windows] == [w.stream_time for w in offline.windows]
    assert [w.sound_class for w in streamed.windows] == [w.sound_class for w in offline.windows]
    for a, b in zip(streamed.windows, offline.windows, strict=True):
        assert a.scores == pytest.approx(b.scores, abs=1e-4)
    assert streamed.levels == offline.levels


def test_crying_and_current_episode_while_it_runs(tone_model_dir: Path) -> None:
    pipeline = make(tone_model_dir)
    feed_until = np.concatenate([quiet(3), tone(CRY_HZ, 4, -25)])
    for i in range(0, feed_until.size, 1600):
        pipeline.process(feed_until[i : i + 1600])
    assert pipeline.crying
    episode = pipeline.current_episode
    assert episode is not None and episode.start == pytest.approx(3.0, abs=0.5)
    ended = pipeline.flush().events
    assert [e.kind for e in ended] == ["cry_ended"] and not pipeline.crying


def test_sensitivity_at_run_time(tone_model_dir: Path) -> None:
    faint = np.concatenate([quiet(3), tone(CRY_HZ, 8, -60), quiet(10)])
    at_model_threshold = DetectorConfig(threshold_shift=0.0)
    assert feed(make(tone_model_dir, detector_config=at_model_threshold), faint).events == []
    pipeline = make(tone_model_dir, detector_config=at_model_threshold)
    pipeline.set_sensitivity(1.0)
    assert pipeline.sensitivity == 1.0
    assert [e.kind for e in feed(pipeline, faint).events] == ["cry_started", "cry_ended"]
    with pytest.raises(ValueError, match="sensitivity"):
        pipeline.set_sensitivity(2.0)


def test_reset_after_a_gap_keeps_stream_time_and_no_window_spans_it(tone_model_dir: Path) -> None:
    pipeline = make(tone_model_dir, hop_seconds=0.25)
    first = pipeline.process(quiet(1.5))
    pipeline.reset()
    second = pipeline.process(quiet(1.5))
    assert [round(w.stream_time, 3) for w in first.windows] == [0.995, 1.245, 1.495]
    # A fresh run of windows starting at the gap: its first ends ~1 s after it.
    assert [round(w.stream_time, 3) for w in second.windows] == [2.495, 2.745, 2.995]
    assert pipeline.stream_time == 3.0


def test_hop_of_half_a_second_and_limits(tone_model_dir: Path) -> None:
    pipeline = make(tone_model_dir, hop_seconds=0.5)
    out = feed(pipeline, night())
    assert [e.kind for e in out.events] == ["cry_started", "cry_ended"]
    assert out.windows[1].stream_time - out.windows[0].stream_time == pytest.approx(0.5)
    with pytest.raises(ValueError, match="hop"):
        make(tone_model_dir, hop_seconds=0.75)


def test_detector_config_is_used(tone_model_dir: Path) -> None:
    # The default merge gap (10 s) joins two cries 8 s apart; a 5-s gap keeps them apart.
    audio = np.concatenate(
        [quiet(3), tone(CRY_HZ, 5, -25), quiet(8), tone(CRY_HZ, 5, -25), quiet(25)]
    )
    short = DetectorConfig(hangover_seconds=2.0, merge_gap_seconds=5.0)
    assert len(feed(make(tone_model_dir, detector_config=short), audio).events) == 4
    merged = feed(
        make(tone_model_dir, detector_config=DetectorConfig(merge_gap_seconds=10.0)), audio
    )
    assert [e.kind for e in merged.events] == ["cry_started", "cry_ended"]


def test_frames_prepared_once_score_as_windows_do(tone_model_dir: Path) -> None:
    """The pipeline quantises frames as they arrive; windows of them score exactly as `predict`."""
    pipeline = make(tone_model_dir)
    classifier = pipeline.classifier
    rng = np.random.default_rng(0)
    frames = rng.normal(-6, 4, (200, 40)).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(frames, 98, axis=0)[::50]
    windows = np.ascontiguousarray(windows.transpose(0, 2, 1))
    prepared = classifier.prepare(frames)
    assert prepared.dtype == classifier.input_dtype
    prepared_windows = np.lib.stride_tricks.sliding_window_view(prepared, 98, axis=0)[::50]
    np.testing.assert_array_equal(
        classifier.predict_prepared(np.ascontiguousarray(prepared_windows.transpose(0, 2, 1))),
        classifier.predict(windows),
    )
    with pytest.raises(ValueError, match="windows must have shape"):
        classifier.predict_prepared(prepared)


def _with_detector(model_dir: Path, tmp_path: Path, detector: object) -> Path:
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    spec = json.loads((copy / "model.json").read_text(encoding="utf-8"))
    spec["detector"] = detector
    (copy / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    return copy


def test_a_models_own_threshold_shift_sets_the_onset(tone_model_dir: Path, tmp_path: Path) -> None:
    # 0 (not "no value"): the onset at the model's own threshold, 0.5 for the tone model.
    tuned = _with_detector(tone_model_dir, tmp_path, {"threshold_shift": 0, "tuned_on": "x"})
    assert load_model_dir(tuned).threshold_shift == 0.0
    # The faint cry peaks at 0.45: between the model's onset threshold and the default's.
    faint = np.concatenate([quiet(3), tone(CRY_HZ, 8, -60), quiet(10)])
    own = make(tuned)
    assert own.detector.on_threshold == pytest.approx(0.5)
    assert feed(own, faint).events == []
    default = make(tone_model_dir)
    assert default.detector.on_threshold == pytest.approx(
        shifted_threshold(0.5, DEFAULT_THRESHOLD_SHIFT)
    )
    assert [e.kind for e in feed(default, faint).events] == ["cry_started", "cry_ended"]
    # An explicit setting still wins over the model's.
    explicit = make(tuned, detector_config=DetectorConfig(threshold_shift=1.0))
    assert explicit.detector.on_threshold == pytest.approx(shifted_threshold(0.5, 1.0))


@pytest.mark.parametrize(
    ("detector", "message"),
    [
        ({"threshold_shift": "high"}, "must be a number"),
        ({"threshold_shift": True}, "must be a number"),
        ({}, "must be a number"),
        ([2.0], "must be a number"),
        ({"threshold_shift": 40}, "outside -10.0..10.0"),
    ],
)
def test_a_bad_threshold_shift_is_refused(
    tone_model_dir: Path, tmp_path: Path, detector: object, message: str
) -> None:
    with pytest.raises(ModelError, match=message) as err:
        load_model_dir(_with_detector(tone_model_dir, tmp_path, detector))
    assert "detector.threshold_shift" in str(err.value)
