"""Audio loop engine: blocks -> log-mel frames -> sliding windows -> classifier -> episodes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .audio_context import AudioContext
from .cascade import Cascade, cascade_for
from .classifier import Classifier
from .committee import classifier_for
from .detector import CryEvent, Detector, DetectorConfig, Episode
from .frontend import StreamingFrontend
from .level import LevelMeter, LevelReading
from .model import ModelError, ModelSpec

# A new window every 0.5 s halves the classifier's work against 0.25 s and detects the same
# episodes; a longer hop would delay onsets and ends by more than a parent notices.
DEFAULT_HOP_SECONDS = 0.5
MAX_HOP_SECONDS = 0.5
# (window end times, prepared windows, scores over all labels) -> scores the detector acts on
WindowHook = Callable[
    [npt.NDArray[np.float64], npt.NDArray[Any], npt.NDArray[np.float64]], npt.NDArray[np.float64]
]


@dataclass(frozen=True)
class WindowResult:
    """One classifier window: its end in stream time, every label's score, and the winning class."""

    stream_time: float
    scores: dict[str, float]
    sound_class: str


@dataclass
class PipelineOutput:
    """What one block (or a flush) produced, in stream order."""

    windows: list[WindowResult] = field(default_factory=list)
    events: list[CryEvent] = field(default_factory=list)
    levels: list[LevelReading] = field(default_factory=list)


class Pipeline:
    """Streaming cry detection over 16 kHz mono blocks of any size; stream time = audio seen.

    Every window completed by a block goes to the classifier in one batch, so the cost per block is
    a few numpy calls and one interpreter call, whatever the block size.
    """

    def __init__(
        self,
        spec: ModelSpec,
        detector_config: DetectorConfig | None = None,
        calibration_db: float = 0.0,
        *,
        hop_seconds: float = DEFAULT_HOP_SECONDS,
        classifier: Classifier | None = None,
        cascade: Cascade | None = None,
    ) -> None:
        fe = spec.frontend
        self.spec = spec
        self.hop_frames = round(hop_seconds * fe.sample_rate / fe.hop_samples)
        if self.hop_frames < 1 or hop_seconds > MAX_HOP_SECONDS + 1e-9:
            raise ValueError(f"window hop must lie between one frame and {MAX_HOP_SECONDS} s")
        self.hop_seconds = self.hop_frames * fe.hop_samples / fe.sample_rate
        self.classifier = classifier or classifier_for(spec)
        # None: the model directory's own (the small model alone when it has no cascade section).
        self.cascade = cascade if cascade is not None else cascade_for(spec)
        cascade_spec = self.cascade.spec
        self._context = (
            AudioContext(cascade_spec.input_samples) if cascade_spec is not None else None
        )
        self.frontend = StreamingFrontend(fe)
        self.detector = Detector.for_model(
            detector_config or DetectorConfig(), self._operating_spec(), self.hop_seconds
        )
        self.levels = LevelMeter(fe.sample_rate, 1.0, calibration_db)
        self._labels = spec.labels
        self._cry = spec.cry_index
        self._samples = 0
        # Where a per-home correction sees every window and may lower (or raise) its cry score.
        self.window_hook: WindowHook | None = None
        self.reset()

    def reset(self) -> None:
        """Start afresh after a gap in the audio: no window spans the gap. Episodes carry on."""
        fe = self.spec.frontend
        # Frames are kept in the model's input type: prepared (quantised) once, not per window.
        self._frames: npt.NDArray[Any] = np.zeros(
            (0, fe.mel_bins), dtype=self.classifier.input_dtype
        )
        self._origin = self._samples  # stream sample where frame 0 of the buffer's run begins
        self._next_frame = 0  # run-relative index of the next window's first frame
        self._buffer_start = 0  # run-relative index of self._frames[0]
        self.frontend.reset()
        if self._context is not None:
            self._context.reset(self._samples)
        self.levels.reset()
        self.detector.reset()

    @property
    def stream_time(self) -> float:
        return self._samples / self.spec.frontend.sample_rate

    @property
    def crying(self) -> bool:
        return self.detector.crying

    @property
    def current_episode(self) -> Episode | None:
        return self.detector.current_episode

    @property
    def sensitivity(self) -> float:
        return self.detector.sensitivity

    def set_sensitivity(self, value: float) -> None:
        """0..1; 0.5 is the default operating point, higher detects more. ValueError outside."""
        self.detector.set_sensitivity(value)

    def process(self, block: npt.NDArray[Any]) -> PipelineOutput:
        """Feed one block of int16 (or float) mono 16 kHz samples."""
        frames = self.classifier.prepare(self.frontend.process(block))
        levels = self.levels.process(block)
        if self._context is not None:
            self._context.feed(block)
        self._samples += block.size
        windows, times = self._take_windows(frames)
        out = PipelineOutput(levels=levels)
        if times.size:
            scores = self.classifier.predict_prepared(windows).astype(np.float64)
            if self._context is not None:
                scores = self._second_opinion(self._context, times, scores)
            # After the fusion: a per-home correction acts on the score the detector sees, so a
            # labelled false alarm stays silenced even when the second model agrees with it.
            if self.window_hook is not None:
                scores = self.window_hook(times, windows, scores)
            cry_scores = scores[:, self._cry]
            out.events = self.detector.process(times, cry_scores, self.spec.window_seconds)
            out.windows = self._window_results(times, scores, cry_scores)
        return out

    def flush(self) -> PipelineOutput:
        """End of stream: closes a running episode at the moment crying was last heard."""
        return PipelineOutput(events=self.detector.flush(self.stream_time))

    def _operating_spec(self) -> ModelSpec:
        """The model's spec at the threshold the detector's scores are on: the cascade's fused
        threshold while the second model answers, the small model's own otherwise."""
        return self.cascade.operating_spec(self.spec)

    def _second_opinion(
        self, context: AudioContext, times: npt.NDArray[np.float64], scores: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        cascade = self.cascade
        opinion = cascade.opinion
        if opinion is None:  # stopped while running, here or in a pipeline that shares it
            self._decide_alone()
            return scores
        cry = scores[:, self._cry]
        asked = np.flatnonzero(cascade.candidates(cry))
        cascade.seen += cry.size
        if asked.size == 0:
            return scores
        ends = np.round(times[asked] * self.spec.frontend.sample_rate).astype(np.int64)
        try:
            second = opinion.cry_scores(context.ending_at(ends, opinion.spec.input_samples))
        except ModelError as err:
            cascade.disable(str(err))
            self._decide_alone()
            return scores
        cascade.asked += asked.size
        scores = scores.copy()
        scores[asked, self._cry] = cascade.fuse(cry[asked], second)
        return scores

    def _decide_alone(self) -> None:
        """The small model decides from now on, at its own operating point."""
        self._context = None
        self.detector.retune(self.spec.threshold, self.spec.threshold_shift)

    def _take_windows(
        self, frames: npt.NDArray[Any]
    ) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
        fe, size = self.spec.frontend, self.spec.input_frames
        buffer: npt.NDArray[Any] = np.concatenate([self._frames, frames])
        first = self._next_frame - self._buffer_start
        count = max(0, (buffer.shape[0] - first - size) // self.hop_frames + 1)
        if count:
            view = np.lib.stride_tricks.sliding_window_view(buffer, size, axis=0)
            # (n, mel_bins, frames) view -> contiguous (n, frames, mel_bins) batch
            windows = np.ascontiguousarray(
                view[first : first + count * self.hop_frames : self.hop_frames].transpose(0, 2, 1)
            )
        else:
            windows = np.zeros((0, size, fe.mel_bins), dtype=buffer.dtype)
        starts = self._next_frame + self.hop_frames * np.arange(count)
        last_frames = starts + size - 1
        times = (self._origin + last_frames * fe.hop_samples + fe.window_samples) / fe.sample_rate
        self._next_frame += count * self.hop_frames
        drop = min(self._next_frame - self._buffer_start, buffer.shape[0])
        self._frames = buffer[drop:].copy()
        self._buffer_start += drop
        return windows, times.astype(np.float64)

    def _window_results(
        self,
        times: npt.NDArray[np.float64],
        scores: npt.NDArray[np.float64],
        cry: npt.NDArray[np.float64],
    ) -> list[WindowResult]:
        # The class is the best label, except that a cry score past the live threshold wins:
        # the class must agree with what the detector is acting on.
        best = np.argmax(scores, axis=1)
        best[cry >= self.detector.on_threshold] = self._cry
        labels = self._labels
        rows = cast(list[list[float]], np.round(scores, 4).tolist())
        stamps = cast(list[float], times.tolist())
        winners: list[int] = best.tolist()
        return [
            WindowResult(t, dict(zip(labels, row, strict=True)), labels[b])
            for t, row, b in zip(stamps, rows, winners, strict=True)
        ]
