"""The cascade against the real LiteRT interpreter: YAMNet's second opinion, and what happens without it."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
import soundfile
from babblefish_monitor.audio.cascade import cascade_for
from babblefish_monitor.audio.model import default_model_dir, load_model_dir
from babblefish_monitor.audio.pipeline import Pipeline
from monitor_server import running_monitor

SHARED_YAMNET = (
    Path(__file__).resolve().parents[3] / "shared" / "models" / "yamnet" / "yamnet.tflite"
)
REFERENCE = default_model_dir().parents[1] / "labels" / "reference_cries"
# A full-band (ESC-50, not phone-recorded) cry from the committed reference cries that the small
# model alone scores below its clip threshold (0.864 against 0.903) and YAMNet hears clearly.
FULL_BAND_CRY = REFERENCE / "esc50-3-152007-A-20.flac"
SMALL_FILES = ("model.tflite", "labels.txt", "model.json")
# Used when the default model ships no cascade of its own.
FALLBACK_SECTION = {"file": "yamnet.tflite", "name": "YAMNet", "gate": 0.3, "fusion": "max",
                    "cry_classes": [19, 20, 21], "classes": 521, "input_samples": 15600,
                    "threshold": 0.16}  # fmt: skip


def _yamnet() -> Path:
    shipped = default_model_dir() / "yamnet.tflite"
    if shipped.is_file():
        return shipped
    if not SHARED_YAMNET.is_file():
        pytest.skip(f"no YAMNet to test with: neither {shipped} nor {SHARED_YAMNET} exists")
    return SHARED_YAMNET


def _model_dir(
    tmp_path: Path, section: dict[str, Any] | None, second: bytes | None, *, committee: bool = True
) -> Path:
    """A copy of the default small model with `section` as its cascade (None: no cascade);
    without `committee`, its first network alone at the threshold training gave it."""
    out = tmp_path / "model"
    out.mkdir(parents=True)
    spec = json.loads((default_model_dir() / "model.json").read_text())
    if not committee and spec.pop("committee", None) is not None:
        spec["threshold"] = spec["metrics"]["validation"]["threshold"]
    # The small model is every network of the committee, when it has one.
    for name in (*SMALL_FILES, *spec.get("committee", {}).get("members", [])):
        shutil.copy(default_model_dir() / name, out / name)
    default_section = spec.pop("cascade", None)
    if section is not None:
        spec["cascade"] = {**(default_section or FALLBACK_SECTION), **section}
    (out / "model.json").write_text(json.dumps(spec))
    if second is not None:
        (out / spec["cascade"]["file"]).write_bytes(second)
    return out


def _cascade_dir(tmp_path: Path) -> Path:
    return _model_dir(tmp_path, {}, _yamnet().read_bytes())


def _clip(path: Path, quiet_after: float = 20.0) -> np.ndarray[Any, np.dtype[np.int16]]:
    audio, rate = soundfile.read(path, dtype="int16")
    assert rate == 16000
    return np.concatenate([audio, np.zeros(int(quiet_after * rate), np.int16)])


def _run(pipeline: Pipeline, audio: np.ndarray[Any, np.dtype[np.int16]]) -> tuple[float, list[str]]:
    """The highest cry score the detector saw, and the events, feeding 0.25-s blocks."""
    best, events = 0.0, list[str]()
    for at in range(0, audio.size, 4000):
        out = pipeline.process(audio[at : at + 4000])
        best = max([best, *(w.scores["crying"] for w in out.windows)])
        events += [e.kind for e in out.events]
    events += [e.kind for e in pipeline.flush().events]
    return best, events


def test_second_opinion_lifts_a_full_band_cry_the_small_model_scores_below_threshold(
    tmp_path: Path,
) -> None:
    small = Pipeline(load_model_dir(_model_dir(tmp_path / "a", None, None)))
    cascade = Pipeline(load_model_dir(_cascade_dir(tmp_path / "b")))
    audio = _clip(FULL_BAND_CRY)
    small_best, _ = _run(small, audio)
    fused_best, events = _run(cascade, audio)
    threshold = cascade.spec.threshold
    assert small.cascade.status.status == "off"
    assert cascade.cascade.status.status == "on"
    assert small_best < threshold <= fused_best
    assert events == ["cry_started", "cry_ended"]
    assert 0 < cascade.cascade.asked < cascade.cascade.seen  # only candidate windows are asked
    # The cascade decides at its own fused threshold, above the small model's.
    assert cascade.detector.on_threshold > small.detector.on_threshold


@pytest.mark.parametrize(
    ("second", "reason"),
    [
        (None, "is missing"),
        (b"not a tflite model at all" * 100, "not a loadable TFLite model"),
        ("small", "promises [1, 15600] float32 samples"),  # the small model: input [1, 98, 40]
    ],
    ids=["missing", "corrupt", "wrong-shape"],
)
def test_a_broken_second_model_leaves_the_small_model_alone_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, second: bytes | str | None, reason: str
) -> None:
    data = (default_model_dir() / "model.tflite").read_bytes() if second == "small" else second
    directory = _model_dir(tmp_path, {}, data if isinstance(data, bytes) else None)
    spec = load_model_dir(directory)
    with caplog.at_level(logging.WARNING):
        pipelines = [Pipeline(spec), Pipeline(spec)]  # a rebuilt pipeline does not log again
    warnings = [r for r in caplog.records if "SECOND OPINION UNAVAILABLE" in r.getMessage()]
    assert len(warnings) == 1 and reason in warnings[0].getMessage()
    status = pipelines[0].cascade.status
    assert status.status == "unavailable" and status.reason is not None and reason in status.reason
    alone = Pipeline(load_model_dir(_model_dir(tmp_path / "alone", None, None)))
    # ...at the small model's own operating point, not the cascade's fused threshold.
    assert pipelines[0].detector.on_threshold == alone.detector.on_threshold
    audio = _clip(FULL_BAND_CRY)
    assert _run(pipelines[0], audio) == _run(alone, audio)


def _quiet_source(tmp_path: Path) -> str:
    path = tmp_path / "quiet.wav"
    soundfile.write(path, np.zeros(16000, np.int16), 16000, subtype="PCM_16")
    return f"file:{path}"


async def _info(tmp_path: Path, directory: Path) -> dict[str, Any]:
    """`/api/v1/info` of a real monitor serving `directory` on a quiet file."""
    source = _quiet_source(tmp_path)
    async with (
        running_monitor(source=source, data_dir=tmp_path / "data", model_dir=directory) as mon,
        aiohttp.ClientSession() as session,
    ):
        headers = {"Authorization": f"Bearer {mon.token}"}
        async with session.get(f"{mon.url}/api/v1/info", headers=headers) as resp:
            info: dict[str, Any] = await resp.json()
    return info


async def test_info_says_the_second_opinion_is_unavailable(tmp_path: Path) -> None:
    info = await _info(tmp_path, _model_dir(tmp_path, {"file": "gone.tflite"}, None))
    opinion = info["model"]["second_opinion"]
    assert info["model"]["error"] is None and info["model"]["labels"]
    assert opinion["status"] == "unavailable"
    assert "gone.tflite" in opinion["reason"] and "small model alone" in opinion["reason"]


async def test_info_says_the_second_opinion_is_on(tmp_path: Path) -> None:
    info = await _info(tmp_path, _cascade_dir(tmp_path))
    assert info["model"]["second_opinion"] == {"status": "on", "name": "YAMNet", "reason": None}


def test_a_model_without_a_cascade_section_runs_exactly_as_before(tmp_path: Path) -> None:
    """The demo night through 1.3's network alone gives the events 1.3 gave before cascades."""
    expected = json.loads((Path(__file__).parent / "demo_events_1.3.json").read_text())
    spec = load_model_dir(_model_dir(tmp_path, None, None, committee=False))
    assert cascade_for(spec).opinion is None
    pipeline = Pipeline(spec)
    audio, _ = soundfile.read(Path(__file__).resolve().parents[2] / "demo" / "nursery_demo.flac",
                              dtype="int16")  # fmt: skip
    events = []
    for at in range(0, audio.size, 8000):
        events += pipeline.process(audio[at : at + 8000]).events
    events += pipeline.flush().events
    got = [
        [e.kind, round(e.stream_time, 3), round(e.start, 3), round(e.peak_score, 4)] for e in events
    ]
    assert got == expected


def test_the_per_home_correction_acts_on_the_fused_score(tmp_path: Path) -> None:
    """The correction's hook sees the second opinion, and what it returns is what the detector
    acts on: a sound the parent labelled 'not crying' stays silent even when YAMNet disagrees."""
    pipeline = Pipeline(load_model_dir(_cascade_dir(tmp_path)))
    seen: list[float] = []

    def silence(
        times: np.ndarray[Any, Any], windows: np.ndarray[Any, Any], scores: np.ndarray[Any, Any]
    ) -> np.ndarray[Any, Any]:
        seen.extend(float(s) for s in scores[:, pipeline.spec.cry_index])
        quiet = scores.copy()
        quiet[:, pipeline.spec.cry_index] = 0.0
        return quiet

    pipeline.window_hook = silence
    best, events = _run(pipeline, _clip(FULL_BAND_CRY))
    assert max(seen) >= pipeline.spec.threshold  # fused: the small model alone stays below it
    assert best == 0.0 and events == []


def test_a_second_opinion_stopped_elsewhere_returns_every_sharer_to_the_small_model(
    tmp_path: Path,
) -> None:
    """Pipelines of one model directory share its second model; when it stops while running
    (here stopped the way a failing invoke stops it), a pipeline still at the fused threshold
    goes back to the small model's own, instead of deciding at a threshold meant for two."""
    spec = load_model_dir(_cascade_dir(tmp_path))
    live, other = Pipeline(spec), Pipeline(spec)
    alone = Pipeline(load_model_dir(_model_dir(tmp_path / "alone", None, None)))
    assert live.cascade is other.cascade
    assert live.detector.on_threshold > alone.detector.on_threshold
    other.cascade.disable("invoke failed")
    audio = _clip(FULL_BAND_CRY)
    assert _run(live, audio) == _run(alone, audio)
    assert live.detector.on_threshold == alone.detector.on_threshold
    assert live.cascade.status.status == "unavailable"


def test_every_class_score_is_there_and_the_cry_score_is_the_strongest_cry_class(
    tmp_path: Path,
) -> None:
    cascade = cascade_for(load_model_dir(_cascade_dir(tmp_path)))
    assert cascade.opinion is not None and cascade.spec is not None
    audio = _clip(FULL_BAND_CRY, quiet_after=0.0).astype(np.float32) / 32768
    windows = np.stack([audio[:15_600], np.zeros(15_600, np.float32)])
    classes = cascade.opinion.class_scores(windows)
    assert classes.shape == (2, 521)
    cry = list(cascade.spec.cry_classes)
    assert np.array_equal(cascade.opinion.cry_scores(windows), classes[:, cry].max(axis=1))
    # YAMNet hears the cry as crying, and silence as no cry at all
    assert classes[0, cry].max() > 0.1 > classes[1, cry].max()
