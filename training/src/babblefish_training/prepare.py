"""`prepare`: cut folder-per-label recordings into fixed-length 16 kHz mono FLAC clips with a manifest."""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from babblefish_monitor.audio.frontend import FRONTEND

from .audio_io import AUDIO_SUFFIXES, AudioReadError, read_audio, write_flac
from .dataset import MANIFEST
from .errors import TrainingError, refuse_file, require_folder
from .levels import rms_dbfs, set_rms_dbfs

LOG = logging.getLogger("babblefish_training")
COLUMNS = (
    "path",
    "label",
    "source",
    "group_id",
    "original_path",
    "start_s",
    "duration_s",
    "rms_dbfs",
)


@dataclass
class PrepareReport:
    """Counts of what `prepare` did."""

    recordings: int = 0
    clips: int = 0
    skipped: list[str] = field(default_factory=list)
    dropped_silent: int = 0


def _recordings(src: Path) -> list[tuple[str, Path]]:
    require_folder(
        src, "input folder", "prepare reads IN/<label>/<recording> (one folder per label)"
    )
    found = [
        (folder.name, path)
        for folder in sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES
    ]
    if not found:
        raise TrainingError(
            f"no audio found in {src}: expected {src}/<label>/<recording>.wav (or .flac, .mp3, ...)"
        )
    return found


def clip_stems(src: Path, recordings: list[tuple[str, Path]]) -> dict[Path, str]:
    """Each recording's clip-name stem: its path inside the label folder, joined with "_".

    Recordings whose stems would coincide (`night.wav` beside `night.m4a`, or `a_b.wav` beside
    `a/b.wav`) add their file type, then a number, so no clip overwrites another's.
    """
    plain = {
        path: "_".join(path.relative_to(src / label).with_suffix("").parts)
        for label, path in recordings
    }
    shared = Counter((label, plain[path]) for label, path in recordings)
    stems: dict[Path, str] = {}
    taken: set[tuple[str, str]] = set()
    for label, path in recordings:
        stem = plain[path]
        if shared[label, stem] > 1:
            stem = f"{stem}_{path.suffix.lstrip('.').lower()}"
        unique, number = stem, 1
        while (label, unique) in taken:
            number += 1
            unique = f"{stem}_{number}"
        taken.add((label, unique))
        stems[path] = unique
    return stems


def prepare(
    src: Path,
    out: Path,
    *,
    clip_seconds: float,
    hop_seconds: float | None,
    normalise_dbfs: float | None,
    min_seconds: float,
    silence_dbfs: float | None,
    strict: bool,
) -> PrepareReport:
    """Cut every recording into clips; the last piece is kept when at least `min_seconds` long.

    No defaults here: `babblefish-train prepare`'s flags hold them, in one place.
    """
    if clip_seconds <= 0 or (hop_seconds is not None and hop_seconds <= 0):
        raise TrainingError("--clip-seconds and --hop-seconds must be positive")
    refuse_file(out, "output folder", "prepare writes OUT/<label>/<clip>.flac; name a new folder")
    rate = FRONTEND.sample_rate
    size = round(clip_seconds * rate)
    hop = round((hop_seconds or clip_seconds) * rate)
    shortest = round(min(min_seconds, clip_seconds) * rate)
    report = PrepareReport()
    rows: list[dict[str, object]] = []
    recordings = _recordings(src)
    stems = clip_stems(src, recordings)
    for label, path in recordings:
        try:
            audio = read_audio(path)
        except AudioReadError as err:
            if strict:
                raise TrainingError(f"unreadable audio (--strict): {err}") from err
            LOG.warning("skipping unreadable file: %s", err)
            report.skipped.append(str(path))
            continue
        report.recordings += 1
        relative = path.relative_to(src / label)
        stem = stems[path]
        for number, start in enumerate(range(0, max(1, audio.size - shortest + 1), hop)):
            piece = audio[start : start + size]
            if piece.size < shortest:
                break
            level = rms_dbfs(piece)
            if silence_dbfs is not None and level < silence_dbfs:
                report.dropped_silent += 1
                continue
            if normalise_dbfs is not None:
                piece = set_rms_dbfs(piece, normalise_dbfs)
            name = Path(label) / f"{stem}-{number:04d}.flac"
            write_flac(out / name, piece)
            rows.append({
                "path": name.as_posix(), "label": label, "source": "prepare",
                "group_id": f"{label}/{relative.as_posix()}", "original_path": str(path),
                "start_s": f"{start / rate:.3f}", "duration_s": f"{piece.size / rate:.3f}",
                "rms_dbfs": f"{rms_dbfs(piece):.2f}",
            })  # fmt: skip
            report.clips += 1
    if not rows:
        raise TrainingError(f"no clips came out of {src}: recordings too short or all unreadable")
    out.mkdir(parents=True, exist_ok=True)
    with (out / MANIFEST).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return report
