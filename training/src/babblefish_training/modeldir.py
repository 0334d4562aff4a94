"""Write a model directory the monitor loads: model.tflite, labels.txt and model.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babblefish_monitor.audio.frontend import FRONTEND
from babblefish_monitor.audio.model import (
    CARD_FILE,
    LABELS_FILE,
    MODEL_FILE,
    MODEL_FORMAT_VERSION,
    SPEC_FILE,
)

from .card import render_card

PLOT_FILE = "report.png"
NOTES_HEADING = "## Notes"  # a model card's hand-written part: kept when the card is re-rendered


def model_json(
    name: str,
    version: str,
    labels: Sequence[str],
    *,
    cry_label: str,
    frames: int,
    threshold: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The model.json object; `extra` adds arch, metrics, training summary and the like."""
    return {
        "format_version": MODEL_FORMAT_VERSION,
        "name": name,
        "version": version,
        "frontend": FRONTEND.to_dict(),
        "labels": list(labels),
        "cry_label": cry_label,
        "input": {"frames": frames, "mel_bins": FRONTEND.mel_bins, "dtype": "int8"},
        "output": "logits",
        "threshold": threshold,
        **extra,
    }


def write_model_dir(out: Path, tflite: bytes, spec: dict[str, Any]) -> None:
    """Create `out` (or replace the three files in it)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_FILE).write_bytes(tflite)
    (out / LABELS_FILE).write_text(
        "".join(f"{label}\n" for label in spec["labels"]), encoding="utf-8"
    )
    write_spec(out, spec)


def write_spec(out: Path, spec: dict[str, Any]) -> None:
    """(Re)write model.json."""
    (out / SPEC_FILE).write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")


def record_detector(out: Path, detector: dict[str, Any]) -> dict[str, Any]:
    """Store the monitor's operating point for this model in model.json ("detector")."""
    spec: dict[str, Any] = json.loads((out / SPEC_FILE).read_text(encoding="utf-8"))
    spec["detector"] = detector
    rewrite_spec(out, spec)
    return spec


def rewrite_spec(out: Path, spec: dict[str, Any]) -> None:
    """Rewrite model.json and re-render MODEL_CARD.md, keeping any hand-written notes at its end."""
    write_spec(out, spec)
    card = out / CARD_FILE
    text = card.read_text(encoding="utf-8") if card.is_file() else ""
    notes = text[text.index(NOTES_HEADING) :] if NOTES_HEADING in text else ""
    card.write_text(render_card(spec) + ("\n" + notes if notes else ""), encoding="utf-8")
