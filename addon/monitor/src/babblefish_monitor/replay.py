"""`babblefish-monitor replay`: a recording through the whole pipeline, unpaced, events out."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .audio.detector import CryEvent, DetectorConfig
from .audio.model import ModelError, ModelSpec, load_model_dir
from .audio.pipeline import DEFAULT_HOP_SECONDS, Pipeline
from .audio.sources import SourceError, open_source

BLOCK_SECONDS = 30.0  # big blocks: one classifier call per 120 windows keeps the Python share small


@dataclass
class ReplayResult:
    """Everything a replay found, and how fast."""

    events: list[CryEvent] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def episodes(self) -> list[CryEvent]:
        return [e for e in self.events if e.kind == "cry_ended"]

    @property
    def cry_seconds(self) -> float:
        return sum(e.duration or 0.0 for e in self.episodes)

    @property
    def realtime_factor(self) -> float:
        return self.audio_seconds / self.wall_seconds if self.wall_seconds > 0 else float("inf")


def event_json(event: CryEvent) -> dict[str, Any]:
    """One events-out line: `t` is when crying started (or, for cry_ended, actually stopped)."""
    line: dict[str, Any] = {"type": event.kind}
    if event.kind == "cry_started":
        line["t"] = round(event.start, 3)
    else:
        line["t"] = round(event.end if event.end is not None else event.start, 3)
        line["start"] = round(event.start, 3)
        line["duration"] = round(event.duration or 0.0, 3)
    line["peak_score"] = round(event.peak_score, 4)
    line["stream_time"] = round(event.stream_time, 3)  # when the monitor decided it
    return line


async def replay_file(
    path: Path | str,
    spec: ModelSpec,
    config: DetectorConfig | None = None,
    *,
    hop_seconds: float = DEFAULT_HOP_SECONDS,
    out: TextIO | None = None,
) -> ReplayResult:
    """Run a file through the pipeline unpaced; events are written to `out` as they happen."""
    pipeline = Pipeline(spec, config, hop_seconds=hop_seconds)
    source = open_source(f"file:{path}", realtime=False, block_seconds=BLOCK_SECONDS)
    result = ReplayResult()
    started = time.perf_counter()

    def emit(events: list[CryEvent]) -> None:
        result.events += events
        if out is not None:
            for event in events:
                out.write(json.dumps(event_json(event)) + "\n")

    async for block in source.blocks():
        emit(pipeline.process(block).events)
    if source.status == "failed":
        raise SourceError(source.error or f"reading {path} failed")
    emit(pipeline.flush().events)
    result.audio_seconds = pipeline.stream_time
    result.wall_seconds = time.perf_counter() - started
    return result


def register(subparsers: Any) -> None:
    """Add the `replay` subcommand."""
    parser = subparsers.add_parser(
        "replay",
        help="process a recording as fast as possible and write its cry events",
        description="Process a WAV/FLAC recording as fast as possible; one JSON line per event.",
    )
    add = parser.add_argument
    add("file", type=Path, help="WAV or FLAC recording to process (any rate, any channels).")
    add("--events-out", type=Path, required=True, metavar="FILE", help="JSON-lines file to write.")
    add(
        "--model",
        type=Path,
        default=None,
        metavar="DIR",
        help="Model directory. (default: the model shipped with the monitor)",
    )
    add(
        "--sensitivity",
        type=float,
        default=0.5,
        help="How readily crying is detected, 0 to 1; higher detects more. (default: 0.5)",
    )
    add(
        "--hop",
        type=float,
        default=DEFAULT_HOP_SECONDS,
        metavar="SECONDS",
        help=f"Seconds between classifier windows. (default: {DEFAULT_HOP_SECONDS})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Replay args.file; returns the process exit status."""
    if Path(args.events_out).is_dir():
        print(
            f"babblefish-monitor replay: --events-out {args.events_out} is a directory; "
            "give the name of the JSON-lines file to write",
            file=sys.stderr,
        )
        return 2
    try:
        spec = load_model_dir(args.model)
        config = DetectorConfig(sensitivity=args.sensitivity)
        with Path(args.events_out).open("w", encoding="utf-8") as out:
            result = asyncio.run(
                replay_file(args.file, spec, config, hop_seconds=args.hop, out=out)
            )
    except (ModelError, SourceError, ValueError, OSError) as err:
        print(f"babblefish-monitor replay: {err}", file=sys.stderr)
        return 2
    print(summary(result, args.file))
    return 0


def summary(result: ReplayResult, path: Path | str) -> str:
    """What a person wants to know about a replay, in a few lines."""
    hours, rest = divmod(int(result.audio_seconds), 3600)
    return (
        f"{path}: {hours}:{rest // 60:02d}:{rest % 60:02d} of audio\n"
        f"episodes: {len(result.episodes)}\n"
        f"cry minutes: {result.cry_seconds / 60:.2f}\n"
        f"real-time factor: {result.realtime_factor:.0f}x ({result.wall_seconds:.2f} s)"
    )
