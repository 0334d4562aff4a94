"""`prepare`: cut folder-per-label recordings into fixed-length 16 kHz mono FLAC clips with a manifest."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from babblefish_monitor.audio.frontend import FRONTEND

from .audio_io import AUDIO_SUFFIXES, AudioReadError, read_audio, write_flac
from .dataset import MANIFEST
from .errors import TrainingError
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
    if not src.is_dir():
        raise TrainingError(f"input folder {src} does not exist")
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


def prepare(
    src: Path,
    out: Path,
    *,
    clip_seconds: float = 5.0,
    hop_seconds: float | None = None,
    normalise_dbfs: float | None = None,
    min_seconds: float = 1.0,
    silence_dbfs: float | None = None,
    strict: bool = False,
) -> PrepareReport:
    """Cut every recording into clips; the last piece is kept when at least `min_seconds` long."""
    if clip_seconds <= 0 or (hop_seconds is not None and hop_seconds <= 0):
        raise TrainingError("--clip-seconds and --hop-seconds must be positive")
    rate = FRONTEND.sample_rate
    size = round(clip_seconds * rate)
    hop = round((hop_seconds or clip_seconds) * rate)
    shortest = round(min(min_seconds, clip_seconds) * rate)
    report = PrepareReport()
    rows: list[dict[str, object]] = []
    for label, path in _recordings(src):
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
        stem = "_".join(relative.with_suffix("").parts)
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
