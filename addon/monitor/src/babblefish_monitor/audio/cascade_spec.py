"""model.json's optional "cascade" section: which second model to ask, when, and how to fuse its answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# max and noisy_or only ever raise the small model's score (a second chance for missed cries);
# mean averages the two in log-odds, so the second model can also overrule a false alarm.
Fusion = Literal["max", "noisy_or", "mean"]
FUSIONS: tuple[Fusion, ...] = ("max", "noisy_or", "mean")
SECTION = "cascade"


class CascadeSpecError(ValueError):
    """A cascade section that cannot be honoured; the monitor then runs the small model alone."""


@dataclass(frozen=True)
class CascadeSpec:
    """A second opinion on candidate windows, from a waveform classifier such as YAMNet."""

    path: Path
    name: str
    # Small-model cry probability from which a window is a candidate worth a second opinion.
    gate: float
    fusion: Fusion
    cry_classes: tuple[int, ...]
    classes: int
    input_samples: int
    # The second model's cry score that counts as much as the small model's own threshold: its
    # scores are moved by this much in log-odds before fusing, so both speak on one scale.
    threshold: float
    model_threshold: float

    @property
    def log_odds_offset(self) -> float:
        """What is added to the second model's cry log-odds to put it on the small model's scale."""
        return _logit(self.model_threshold) - _logit(self.threshold)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _probability(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value < 1.0:
        raise CascadeSpecError(f"cascade.{key} must be a number strictly between 0 and 1")
    return float(value)


def _positive_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CascadeSpecError(f"cascade.{key} must be a positive whole number")
    return value


def read_cascade(directory: Path, data: Any, model_threshold: float) -> CascadeSpec:
    """The checked section; CascadeSpecError says which field is wrong."""
    if not isinstance(data, dict):
        raise CascadeSpecError("cascade must be a JSON object")
    file = data.get("file")
    if not isinstance(file, str) or not file or Path(file).name != file:
        raise CascadeSpecError("cascade.file must name a file inside the model directory")
    fusion = data.get("fusion", "max")
    if fusion not in FUSIONS:
        raise CascadeSpecError(f"cascade.fusion {fusion!r} must be one of {', '.join(FUSIONS)}")
    classes = _positive_int(data, "classes")
    cry = data.get("cry_classes")
    if (
        not isinstance(cry, list)
        or not cry
        or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c < classes for c in cry)
    ):
        raise CascadeSpecError(f"cascade.cry_classes must list class indices below {classes}")
    return CascadeSpec(
        path=directory / file,
        name=str(data.get("name", file)),
        gate=_probability(data, "gate"),
        fusion=fusion,
        cry_classes=tuple(cry),
        classes=classes,
        input_samples=_positive_int(data, "input_samples"),
        threshold=_probability(data, "threshold"),
        model_threshold=model_threshold,
    )
