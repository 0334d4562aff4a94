"""The monitor's labelling side: live features and audio in memory, verdicts, and the safe correction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import soundfile as sf
from babblefish_monitor.audio.detector import Detector
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.audio.pipeline import Pipeline, PipelineOutput
from babblefish_monitor.tally import CryTally, EpisodeRecord

from .adapt import Correction, Evidence, FitReport, Sample, fit
from .errors import LabelError
from .features import CRY, FeatureLog, rows, window_features
from .learnt import learnt
from .reference import reference_samples
from .requests import check_request
from .ring import AudioRing
from .store import Label, LabelStore
from .timeline import Timeline

_LOGGER = logging.getLogger(__name__)

RING_S = 300.0  # audio kept in memory (clip recording on only) so a missed cry can still be kept
MISSED_SPAN_S = 10.0  # a missed cry: the audio this long either side of the moment given
TAIL_S = 15.0  # at most the detector's hang-over plus merge gap between the last cry and the end


class MonitorView(Protocol):
    """What labelling needs from the running monitor."""

    @property
    def tally(self) -> CryTally: ...

    @property
    def spec(self) -> ModelSpec | None: ...

    @property
    def tz(self) -> tzinfo: ...

    def now(self) -> datetime: ...

    def wall_of(self, stream_time: float) -> datetime: ...


class LabelService:
    """Owns the label store, the timeline and the correction applied to the live pipeline."""

    def __init__(self, monitor: MonitorView, data_dir: Path, clips_dir: Path | None) -> None:
        self.monitor = monitor
        self.store = LabelStore(data_dir)
        self.timeline = Timeline(self.store.db)
        self.clips_dir = clips_dir
        self.log = FeatureLog()
        self.ring = AudioRing(RING_S) if clips_dir is not None else None
        self.pipeline: Pipeline | None = None
        self.reference: list[Sample] = []
        self.report = FitReport("none", "nothing to learn yet: label a false alarm or a missed cry")
        self.correction: Correction | None = None
        self._fitting = asyncio.Lock()

    # -- live hooks ----------------------------------------------------------------------------
    def attach(self, pipeline: Any) -> None:
        """Tap the live pipeline's windows; a level-only pipeline (no model) cannot adapt."""
        if not isinstance(pipeline, Pipeline) or self.monitor.spec is None:
            return
        self.pipeline = pipeline
        pipeline.window_hook = self._on_windows
        self.reference = reference_samples(self.monitor.spec, pipeline)
        self.refit()

    def _on_windows(
        self, times: npt.NDArray[np.float64], windows: npt.NDArray[Any], scores: npt.NDArray[Any]
    ) -> npt.NDArray[np.float64]:
        assert self.monitor.spec is not None
        cry_index = self.monitor.spec.cry_index
        features = window_features(windows, scores)
        self.log.append(rows(times, scores[:, cry_index], features))
        if self.correction is not None and self.enabled:
            scores = scores.copy()
            scores[:, cry_index] = self.correction.adjust(features, scores[:, cry_index])
        return scores

    def on_block(self, block: npt.NDArray[np.int16], stream_end: float) -> None:
        if self.ring is not None:
            self.ring.feed(block, stream_end)

    def on_output(self, output: PipelineOutput, temperature_c: float | None) -> None:
        spec = self.monitor.spec
        cry = spec.cry_label if spec is not None else "crying"
        self.timeline.observe(output, self.monitor.wall_of, cry, temperature_c)

    def on_episode_end(self, record: EpisodeRecord, decided_at: float) -> None:
        """Keep the episode's window features (never its audio) so it can be labelled later.

        The end is decided a hang-over and a merge gap after the crying stopped: the windows
        kept run from the episode's start (its duration before that) up to the decision.
        """
        spec = self.monitor.spec
        window = spec.window_seconds if spec is not None else 1.0
        chunk = self.log.between(decided_at - record.duration_s - TAIL_S - window, decided_at)
        if chunk.size:
            try:
                self.store.put_features(f"episode:{record.id}", chunk)
            except LabelError as err:
                _LOGGER.warning("episode %d cannot be learnt from: %s", record.id, err)

    def close(self) -> None:
        self.timeline.flush()
        self.store.close()

    # -- labelling -----------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self.store.setting("adaptation_enabled") != "0"

    def _labels(self) -> list[str]:
        return list(self.monitor.spec.labels) if self.monitor.spec else []

    def label_episode(
        self, episode_id: int, verdict: object, what: object = None, note: object = None
    ) -> tuple[Label, str | None]:
        """Record a verdict on a detected episode; returns the label and a note for the parent."""
        checked, what_, note_ = check_request(verdict, what, note, self._labels())
        episode = self.monitor.tally.episode(episode_id)
        if episode is None:
            raise LabelError(f"there is no cry episode {episode_id}", 404, "unknown_episode")
        if not episode.ended:
            raise LabelError(
                f"episode {episode_id} is still running: label it once it has ended", 409, "running"
            )
        label = self.store.add(
            kind="episode",
            verdict=checked,
            at=episode.start,
            duration_s=episode.duration_s,
            episode_id=episode_id,
            what=what_,
            note=note_,
            peak_score=episode.peak_score,
        )
        message = self._keep_episode_clip(label, episode)
        if self.store.features(f"episode:{episode_id}") is None:
            message = "this episode's sound was not kept (it predates labelling): nothing to learn"
        return self.store.get(label.id) or label, message

    def label_missed(
        self, at: datetime, what: object = None, note: object = None
    ) -> tuple[Label, str | None]:
        """Record a cry the monitor did not hear at wall time `at`."""
        _, _, note_ = check_request("crying", what, note, self._labels())
        now = self.monitor.now()
        if at > now + timedelta(seconds=5):
            raise LabelError(f"{at.isoformat()} is in the future")
        label = self.store.add(
            kind="missed", verdict="crying", at=at, duration_s=2 * MISSED_SPAN_S, note=note_
        )
        message = None
        stream = self.pipeline.stream_time - (now - at).total_seconds() if self.pipeline else None
        chunk = (
            self.log.between(stream - MISSED_SPAN_S, stream + MISSED_SPAN_S)
            if stream is not None
            else np.zeros((0, 0), np.float32)
        )
        if chunk.size:
            self.store.put_features(f"label:{label.id}", chunk)
            if self.ring is not None and stream is not None:
                audio = self.ring.between(stream - MISSED_SPAN_S, stream + MISSED_SPAN_S)
                if audio.size:
                    self.store.save_clip(label.id, audio, self.ring.rate)
        else:
            minutes = int(self.log.keep_s // 60)
            message = (
                f"the sound of that time is no longer in memory (the monitor keeps {minutes} "
                "minutes): the label is kept, but cannot teach the monitor"
            )
        return self.store.get(label.id) or label, message

    def _keep_episode_clip(self, label: Label, episode: EpisodeRecord) -> str | None:
        path = self.episode_clip(episode)
        if path is None:
            return None
        try:
            audio, rate = sf.read(path, dtype="int16", always_2d=False)
        except (OSError, RuntimeError) as err:
            return f"the episode's clip could not be read ({err}): label saved without audio"
        self.store.save_clip(label.id, np.asarray(audio, np.int16), int(rate))
        return None

    def episode_clip(self, episode: EpisodeRecord) -> Path | None:
        """The clip recorder's WAV of an episode, when clip recording kept one."""
        if self.clips_dir is None:
            return None
        stamp = episode.start.astimezone(self.monitor.tz).strftime("%Y%m%d-%H%M%S")
        path = self.clips_dir / f"cry-{stamp}.wav"
        return path if path.is_file() else None

    def delete(self, label_id: int) -> None:
        if not self.store.delete(label_id):
            raise LabelError(f"there is no label {label_id}", 404, "unknown_label_id")

    def delete_all(self) -> int:
        count = self.store.delete_all()
        return count

    def set_enabled(self, enabled: bool) -> None:
        """Undo (False) or re-apply (True) what the monitor has learnt; labels are kept."""
        self.store.set_setting("adaptation_enabled", "1" if enabled else "0")

    # -- adaptation ----------------------------------------------------------------------------
    def evidence(self) -> Evidence:
        evidence = Evidence(reference=list(self.reference))
        for label in self.store.all():
            key = f"episode:{label.episode_id}" if label.kind == "episode" else f"label:{label.id}"
            data = self.store.features(key)
            if data is None or data.shape[1] <= CRY + 1:
                continue
            sample = Sample(f"{label.kind} at {label.at.astimezone(self.monitor.tz):%H:%M}", data)
            if label.kind == "missed":
                evidence.missed.append(sample)
            elif label.verdict == "crying":
                evidence.cries.append(sample)
            else:
                evidence.false_alarms.append(sample)
        return evidence

    def refit(self) -> FitReport:
        """Fit a correction from every label; keep it only if no known cry would be lost."""
        job = self._fit_job()
        return self._apply(job() if job is not None else None)

    async def relearn(self) -> FitReport:
        """`refit` after a label changed, off the event loop so the audio never waits for it.

        Fits run one at a time, each on every label there is when it starts.
        """
        async with self._fitting:
            job = self._fit_job()
            return self._apply(await asyncio.to_thread(job) if job is not None else None)

    def _fit_job(self) -> Callable[[], FitReport] | None:
        """The fit as a self-contained job (evidence read now, on the loop), or None without a model."""
        if self.pipeline is None or self.monitor.spec is None:
            return None
        live = self.pipeline.detector
        spec, hop = self.monitor.spec, self.pipeline.hop_seconds
        evidence, on, off = self.evidence(), live.on_threshold, live.off_threshold
        config, sensitivity = live.config, live.sensitivity

        def factory() -> Detector:
            detector = Detector.for_model(config, spec, hop)
            detector.set_sensitivity(sensitivity)
            return detector

        return lambda: fit(evidence, factory, spec.window_seconds, on, off)

    def _apply(self, report: FitReport | None) -> FitReport:
        if report is None:
            report = FitReport("none", "no model loaded: nothing can be learnt")
        self.report, self.correction = report, report.correction
        _LOGGER.info("adaptation: %s (%.0f ms)", report.reason, report.fit_ms)
        return report

    def adaptation(self) -> dict[str, Any]:
        """What the monitor has learnt, for the panel and diagnostics."""
        return learnt(
            self.report,
            self.store.all(),
            enabled=self.enabled,
            active=self.correction is not None,
            references=len(self.reference),
            problem=self.store.problem,
        )
