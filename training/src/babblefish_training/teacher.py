"""YAMNet as a teacher: load and check the TFLite file, score windows, cache the scores on disk."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import TrainingError

LOG = logging.getLogger("babblefish_training")
FloatArray = npt.NDArray[np.float32]

TEACHER_SAMPLES = 15_600  # YAMNet's fixed input: 0.975 s at 16 kHz
TEACHER_CLASSES = 521
# AudioSet class indices in YAMNet's class map that matter to a cry detector.
CRY_CLASSES = (19, 20, 21)  # crying/sobbing, baby cry, whimper (what Frigate maps to crying)
SPEECH_CLASSES = (0, 1, 2, 3, 4)  # speech, child speech, conversation, narration, babbling
LAUGHTER_CLASSES = (13, 14, 15, 16, 17, 18)
GROUPS = ("cry", "speech", "laughter")
DEFAULT_TEACHER_SHARE = 0.3  # the folder label keeps the rest, and with it the argmax


class TeacherError(TrainingError):
    """The teacher file is missing, unreadable or not the model it should be."""


@dataclass(frozen=True)
class TeacherScores:
    """Per-window teacher probabilities of the groups a student label can be mapped to."""

    cry: FloatArray
    speech: FloatArray
    laughter: FloatArray


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Teacher:
    """A checked YAMNet interpreter; `score` takes 16 kHz windows (any length >= 1 sample)."""

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = path
        self.cache_dir = cache_dir
        self._interpreter = _load(path)
        self.digest = _digest(path)
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = _class_output(self._interpreter, path)["index"]

    def _score_one(self, window: FloatArray) -> npt.NDArray[np.float32]:
        self._interpreter.set_tensor(self._input, context(window)[None, :])
        self._interpreter.invoke()
        out: npt.NDArray[np.float32] = self._interpreter.get_tensor(self._output)[0]
        return out

    def class_scores(self, windows: Sequence[FloatArray] | FloatArray) -> FloatArray:
        """YAMNet's 521 sigmoid scores for each window's central 0.975 s, cached by content."""
        stacked = (
            np.stack([context(w) for w in windows])
            if len(windows)
            else np.zeros((0, TEACHER_SAMPLES), np.float32)
        )
        cache = self._cache_file(stacked)
        if cache is not None and cache.is_file():
            saved: FloatArray = np.load(cache)
            if saved.shape == (stacked.shape[0], TEACHER_CLASSES):
                return saved
        scores = np.zeros((stacked.shape[0], TEACHER_CLASSES), dtype=np.float32)
        for i, window in enumerate(stacked):
            scores[i] = self._score_one(window)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            temporary = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npy")
            np.save(temporary, scores)
            temporary.replace(cache)
        return scores

    def score(self, windows: Sequence[FloatArray] | FloatArray) -> TeacherScores:
        """The cry, speech and laughter probabilities (the highest class of each group)."""
        return group_scores(self.class_scores(windows))

    def _cache_file(self, stacked: FloatArray) -> Path | None:
        """Keyed by the teacher file and the exact (augmented) audio: a new augmentation seed or
        recipe changes the audio and so misses the cache, a rerun of the same one hits it."""
        if self.cache_dir is None:
            return None
        key = hashlib.sha1(self.digest.encode())
        key.update(np.ascontiguousarray(stacked, dtype=np.float32).tobytes())
        return self.cache_dir / f"yamnet-{key.hexdigest()}.npy"


def context(window: FloatArray) -> FloatArray:
    """The 0.975 s at the centre of a window (zero-padded when shorter), as YAMNet takes it."""
    window = np.asarray(window, dtype=np.float32)
    if window.size >= TEACHER_SAMPLES:
        start = (window.size - TEACHER_SAMPLES) // 2
        return np.ascontiguousarray(window[start : start + TEACHER_SAMPLES])
    pad = TEACHER_SAMPLES - window.size
    return np.pad(window, (pad // 2, pad - pad // 2)).astype(np.float32)


def group_scores(scores: FloatArray) -> TeacherScores:
    """Collapse YAMNet's classes into the groups the student's labels map to."""

    def best(classes: tuple[int, ...]) -> FloatArray:
        return np.asarray(scores[:, list(classes)].max(axis=1), dtype=np.float32)

    return TeacherScores(best(CRY_CLASSES), best(SPEECH_CLASSES), best(LAUGHTER_CLASSES))


def _load(path: Path) -> Any:
    """The interpreter, after checking the file exists, parses and has YAMNet's shapes."""
    expected = (
        f"YAMNet as float32 TFLite: input [1, {TEACHER_SAMPLES}] waveform, output "
        f"[1, {TEACHER_CLASSES}] class scores (see ../shared/models/yamnet/README.md)"
    )
    if not path.is_file():
        raise TeacherError(f"teacher file {path} not found; expected {expected}")
    from ai_edge_litert.interpreter import Interpreter

    try:
        interpreter = Interpreter(model_path=str(path), num_threads=1)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as err:
        raise TeacherError(
            f"teacher file {path} is not a readable TFLite model ({err}); expected {expected}"
        ) from err
    inputs = interpreter.get_input_details()
    if (
        len(inputs) != 1
        or [int(d) for d in inputs[0]["shape"]] != [1, TEACHER_SAMPLES]
        or inputs[0]["dtype"] != np.float32
    ):
        shapes = [(list(map(int, d["shape"])), np.dtype(d["dtype"]).name) for d in inputs]
        raise TeacherError(f"teacher file {path} has input(s) {shapes}; expected {expected}")
    _class_output(interpreter, path)
    return interpreter


def _class_output(interpreter: Any, path: Path) -> dict[str, Any]:
    for detail in interpreter.get_output_details():
        if [int(d) for d in detail["shape"]] == [1, TEACHER_CLASSES]:
            found: dict[str, Any] = detail
            return found
    shapes = [list(map(int, d["shape"])) for d in interpreter.get_output_details()]
    raise TeacherError(
        f"teacher file {path} has outputs {shapes}; expected one [1, {TEACHER_CLASSES}] "
        "output of YAMNet class scores"
    )


def teacher_targets(
    scores: TeacherScores,
    labels: npt.NDArray[np.int64],
    label_names: Sequence[str],
    *,
    cry_label: str,
    share: float,
    label_smoothing: float = 0.0,
    speech_label: str | None = "talking",
    laughter_label: str | None = "human_nonspeech",
) -> FloatArray:
    """Soft targets: the smoothed folder label, blended (`share`) with what the teacher hears.

    The teacher's row puts its cry probability on the cry label. Of what is left, its speech
    (with babbling) and laughter probabilities go to those labels when the student has them, and
    the rest stays on the window's own label, or on `other` for a cry window the teacher does not
    hear as a cry (a cry masked by noise, a pause between sobs). `share` stays below one half so the
    folder label keeps the argmax: the teacher softens and ranks, it does not relabel.
    """
    count = len(label_names)
    rows = labels.shape[0]
    hard = np.full((rows, count), label_smoothing / count, dtype=np.float64)
    hard[np.arange(rows), labels] += 1.0 - label_smoothing
    cry = label_names.index(cry_label)
    fallback = label_names.index("other") if "other" in label_names else (1 if cry == 0 else 0)
    soft = np.zeros((rows, count), dtype=np.float64)
    soft[:, cry] = scores.cry
    rest = 1.0 - soft[:, cry]
    for name, group in ((speech_label, scores.speech), (laughter_label, scores.laughter)):
        if name is not None and name in label_names:
            part = np.minimum(group.astype(np.float64) * (1.0 - soft[:, cry]), rest)
            soft[:, label_names.index(name)] += part
            rest = rest - part
    own = np.where(labels == cry, fallback, labels)
    soft[np.arange(rows), own] += rest
    blended = (1.0 - share) * hard + share * soft
    targets: FloatArray = (blended / blended.sum(axis=1, keepdims=True)).astype(np.float32)
    return targets
