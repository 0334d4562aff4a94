"""The model directory contract: model.tflite + labels.txt + model.json, checked against the frontend."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .frontend import FRONTEND, FrontendConfig, FrontendError

MODEL_FORMAT_VERSION = 1
MODEL_FILE = "model.tflite"
LABELS_FILE = "labels.txt"
SPEC_FILE = "model.json"
CARD_FILE = "MODEL_CARD.md"
CRY_LABEL = "crying"
MAX_THRESHOLD_SHIFT = 10.0  # log-odds; beyond this every window (or none) would start crying


class ModelError(Exception):
    """A model directory that is missing, unreadable or incompatible with this monitor."""


def default_model_dir() -> Path:
    """The model that ships inside the monitor package."""
    return Path(str(resources.files("babblefish_monitor") / "models" / "default"))


@dataclass(frozen=True)
class ModelSpec:
    """What model.json promises about a model: its features, input, labels and operating point."""

    directory: Path
    name: str
    version: str
    labels: tuple[str, ...]
    frontend: FrontendConfig
    input_frames: int
    threshold: float
    cry_label: str = CRY_LABEL
    output: str = "logits"
    # Log-odds the monitor's onset threshold sits below `threshold`, tuned for this model on a
    # long recording (model.json "detector"); None: the detector's default.
    threshold_shift: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def model_path(self) -> Path:
        return self.directory / MODEL_FILE

    @property
    def cry_index(self) -> int:
        return self.labels.index(self.cry_label)

    @property
    def window_seconds(self) -> float:
        """Audio covered by one classifier input window."""
        fe = self.frontend
        return ((self.input_frames - 1) * fe.hop_samples + fe.window_samples) / fe.sample_rate

    @property
    def card(self) -> str | None:
        """The model card text, when the directory has one."""
        path = self.directory / CARD_FILE
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def load_model_dir(
    directory: Path | str | None = None, expected: FrontendConfig = FRONTEND
) -> ModelSpec:
    """Read and check a model directory; raise ModelError naming exactly what is wrong."""
    path = Path(directory) if directory is not None else default_model_dir()
    if path.is_file():
        raise ModelError(
            f"model path {path} is a file; point --model at the folder that holds it and {SPEC_FILE}"
        )
    if not path.is_dir():
        raise ModelError(
            f"model directory {path} does not exist; point --model at a folder with {SPEC_FILE}"
        )
    for name in (MODEL_FILE, LABELS_FILE, SPEC_FILE):
        if not (path / name).is_file():
            raise ModelError(
                f"model directory {path} has no {name}; export the model again with babblefish-train"
            )
    try:
        data = json.loads((path / SPEC_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelError(f"{path / SPEC_FILE} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ModelError(f"{path / SPEC_FILE} must hold a JSON object")
    return _spec_from_json(path, data, expected)


def _spec_from_json(path: Path, data: dict[str, Any], expected: FrontendConfig) -> ModelSpec:
    where = path / SPEC_FILE
    version = data.get("format_version")
    if version != MODEL_FORMAT_VERSION:
        raise ModelError(
            f"{where}: format_version {version!r} is not supported (this monitor reads {MODEL_FORMAT_VERSION})"
        )
    try:
        frontend = FrontendConfig.from_dict(dict(data["frontend"]))
        labels = tuple(str(label) for label in data["labels"])
        input_frames = int(data["input"]["frames"])
        mel_bins = int(data["input"]["mel_bins"])
        threshold = float(data["threshold"])
    except (KeyError, TypeError, ValueError, FrontendError) as err:
        raise ModelError(f"{where} is incomplete or malformed: {err}") from err
    differences = expected.differences(frontend)
    if differences:
        raise ModelError(
            f"{where} was trained with a different audio frontend: {'; '.join(differences)}"
        )
    if mel_bins != frontend.mel_bins:
        raise ModelError(
            f"{where}: input has {mel_bins} mel bins but the frontend makes {frontend.mel_bins}"
        )
    file_labels = tuple(
        line.strip()
        for line in (path / LABELS_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
        if line.strip()
    )
    if file_labels != labels:
        raise ModelError(
            f"{path / LABELS_FILE} lists {list(file_labels)} but {SPEC_FILE} says {list(labels)}"
        )
    cry_label = str(data.get("cry_label", CRY_LABEL))
    if cry_label not in labels:
        raise ModelError(
            f"{where}: cry label {cry_label!r} is not one of the labels {list(labels)}"
        )
    if not 0.0 < threshold < 1.0:
        raise ModelError(f"{where}: threshold {threshold} must lie strictly between 0 and 1")
    output = str(data.get("output", "logits"))
    if output not in ("logits", "probabilities"):
        raise ModelError(f"{where}: output {output!r} must be 'logits' or 'probabilities'")
    threshold_shift = _threshold_shift(where, data.get("detector"))
    known = {
        "detector",
        "format_version",
        "frontend",
        "labels",
        "input",
        "threshold",
        "cry_label",
        "output",
        "name",
        "version",
    }
    return ModelSpec(
        directory=path,
        name=str(data.get("name", path.name)),
        version=str(data.get("version", "unknown")),
        labels=labels,
        frontend=frontend,
        input_frames=input_frames,
        threshold=threshold,
        cry_label=cry_label,
        output=output,
        threshold_shift=threshold_shift,
        extra={k: v for k, v in data.items() if k not in known},
    )


def _threshold_shift(where: Path, detector: Any) -> float | None:
    """model.json's optional {"detector": {"threshold_shift": LOG_ODDS, ...}}."""
    if detector is None:
        return None
    shift = detector.get("threshold_shift") if isinstance(detector, dict) else None
    if isinstance(shift, bool) or not isinstance(shift, int | float):
        raise ModelError(f"{where}: detector.threshold_shift must be a number of log-odds")
    if not -MAX_THRESHOLD_SHIFT <= shift <= MAX_THRESHOLD_SHIFT:
        raise ModelError(
            f"{where}: detector.threshold_shift {shift} is outside "
            f"-{MAX_THRESHOLD_SHIFT}..{MAX_THRESHOLD_SHIFT} log-odds"
        )
    return float(shift)
