"""Find and read folder-per-label datasets (optionally with a manifest.csv) into labelled clips."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .audio_io import AUDIO_SUFFIXES, AudioReadError, read_audio
from .errors import TrainingError, require_folder

FloatArray = npt.NDArray[np.float32]
MANIFEST = "manifest.csv"
LOG = logging.getLogger("babblefish_training")


@dataclass(frozen=True)
class ClipRef:
    """One audio file: its dataset folder (the raw label), recording group and source."""

    path: Path
    folder: str
    group_id: str
    source: str


@dataclass
class Clip:
    """A decoded clip with the model label it trains or scores as."""

    ref: ClipRef
    label: str
    audio: FloatArray = field(repr=False)


@dataclass
class LoadReport:
    """What reading a dataset found: clips read and files skipped, with reasons."""

    read: int = 0
    skipped: list[str] = field(default_factory=list)


def _read_manifest(root: Path) -> dict[str, dict[str, str]]:
    path = root / MANIFEST
    if not path.is_file():
        return {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise TrainingError(f"{path} is not a readable CSV file: {err}") from err
    if rows and "path" not in rows[0]:
        raise TrainingError(f"{path} has no 'path' column")
    return {Path(row["path"]).as_posix(): row for row in rows if row.get("path")}


def scan_dataset(root: Path) -> list[ClipRef]:
    """Every audio file under root/<label>/..., with group and source from manifest.csv when present."""
    require_folder(
        root, "data folder", "--data takes a folder with one subfolder of audio per label"
    )
    manifest = _read_manifest(root)
    refs: list[ClipRef] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in AUDIO_SUFFIXES or not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            row = manifest.get(relative, {})
            # Without a manifest every file is its own recording: the split cannot do better.
            group = row.get("group_id") or f"{root.name}:{relative}"
            refs.append(ClipRef(path, folder.name, group, row.get("source") or root.name))
    return refs


def scan_datasets(roots: Sequence[Path]) -> list[ClipRef]:
    """All clips of several datasets; an empty result is an error."""
    if not roots:
        raise TrainingError("no data folders given: pass --data DIR (folder-per-label audio)")
    refs = [ref for root in roots for ref in scan_dataset(root)]
    if not refs:
        names = ", ".join(str(r) for r in roots)
        raise TrainingError(
            f"no audio files found in {names}: expected DIR/<label>/<clip>.wav or .flac"
        )
    return refs


def load_clips(
    refs: Iterable[tuple[ClipRef, str]], strict: bool = False
) -> tuple[list[Clip], LoadReport]:
    """Decode (ref, label) pairs; unreadable files are skipped and reported, or fatal with strict."""
    clips: list[Clip] = []
    report = LoadReport()
    for ref, label in refs:
        try:
            audio = read_audio(ref.path)
        except AudioReadError as err:
            if strict:
                raise TrainingError(f"unreadable audio (--strict): {err}") from err
            LOG.warning("skipping unreadable file: %s", err)
            report.skipped.append(str(ref.path))
            continue
        clips.append(Clip(ref, label, audio))
        report.read += 1
    return clips, report
