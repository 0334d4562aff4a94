"""babblefish-train: argparse for prepare, train, committee and evaluate; user mistakes exit 2 with a message."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from babblefish_monitor.audio.model import ModelError

from .errors import TrainingError
from .flags import add_option_flags, options_from_args
from .labels import parse_mapping
from .options import TrainOptions

LOG = logging.getLogger("babblefish_training")


def _split_list(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="babblefish-train", description="Train and evaluate Babblefish cry models."
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="Print only warnings and errors. Default: off."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    prep = sub.add_parser(
        "prepare", help="cut recordings into 16 kHz mono clips (folder per label)"
    )
    prep.add_argument(
        "input",
        type=Path,
        help="The recordings, as IN/<label>/<recording> in any format soundfile or ffmpeg reads.",
    )
    prep.add_argument(
        "output", type=Path, help="Where to write OUT/<label>/<clip>.flac and OUT/manifest.csv."
    )
    prep.add_argument(
        "--clip-seconds", type=float, default=5.0, help="Length of each clip. Default: %(default)s."
    )
    prep.add_argument(
        "--hop-seconds",
        type=float,
        default=None,
        help="Seconds from one clip's start to the next; less than --clip-seconds overlaps them. "
        "Default: the clip length (no overlap).",
    )
    prep.add_argument(
        "--normalise-dbfs",
        type=float,
        default=None,
        help="Set every clip's RMS level to this; training varies levels anyway. "
        "Default: levels left alone.",
    )
    prep.add_argument(
        "--min-seconds",
        type=float,
        default=1.0,
        help="Shortest last piece of a recording still kept as a clip. Default: %(default)s.",
    )
    prep.add_argument(
        "--drop-below-dbfs",
        type=float,
        default=None,
        help="Drop clips whose RMS level is below this (not for a quiet-room label). "
        "Default: keep every clip.",
    )
    prep.add_argument(
        "--strict",
        action="store_true",
        help="Stop at the first unreadable file instead of skipping it. Default: off.",
    )

    tr = sub.add_parser("train", help="train, export int8 TFLite and validate")
    add_option_flags(tr, TrainOptions)

    ev = sub.add_parser(
        "evaluate", help="score data with an exported model (the monitor's inference code)"
    )
    ev.add_argument(
        "--model",
        type=Path,
        default=None,
        metavar="DIR",
        help="The model folder (holding model.json). Default: the monitor's shipped model.",
    )
    ev.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="A folder-per-label dataset to score; repeat the flag to combine several. Required.",
    )
    ev.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FOLDER=LABEL",
        help="Score dataset folder FOLDER as model label LABEL; repeatable. Default: none.",
    )
    ev.add_argument(
        "--split",
        choices=("all", "validation", "train"),
        default="all",
        help="Score every clip, or only the recording groups the model held out (validation) or "
        "trained on. One of all, validation, train. Default: %(default)s.",
    )
    ev.add_argument(
        "--json", action="store_true", help="Print one JSON object instead of text. Default: off."
    )
    ev.add_argument(
        "--strict",
        action="store_true",
        help="Stop at the first unreadable file instead of skipping it. Default: off.",
    )
    co = sub.add_parser(
        "committee",
        help="join sibling networks of one recipe into a committee (a new model folder)",
    )
    co.add_argument(
        "--model",
        type=Path,
        required=True,
        metavar="DIR",
        help="The first network's model folder: it scores every window. Required.",
    )
    co.add_argument(
        "--member",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="A sibling network's model folder (same command, another --init-seed), asked "
        "where the first gates; repeatable. Required.",
    )
    co.add_argument(
        "--gate",
        type=float,
        required=True,
        help="The first network's cry probability from which the siblings are asked. Required.",
    )
    co.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        metavar="DIR",
        help="The datasets the networks were trained on (their validation split chooses the "
        "threshold); repeatable. Required.",
    )
    co.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="A new folder to write. Required."
    )
    co.add_argument(
        "--version", default=None, help="The committee's model version. Default: the first's."
    )
    return parser


def _run_prepare(args: argparse.Namespace) -> int:
    from .prepare import prepare

    report = prepare(
        args.input, args.output, clip_seconds=args.clip_seconds, hop_seconds=args.hop_seconds,
        normalise_dbfs=args.normalise_dbfs, min_seconds=args.min_seconds,
        silence_dbfs=args.drop_below_dbfs, strict=args.strict,
    )  # fmt: skip
    print(
        f"{report.clips} clips from {report.recordings} recordings written to {args.output}; "
        f"{len(report.skipped)} unreadable file(s) skipped, {report.dropped_silent} silent clip(s) dropped"
    )
    return 0


def _train_options(args: argparse.Namespace, argv: Sequence[str]) -> TrainOptions:
    """The parsed flags as TrainOptions: list flags split on commas, the 'other' rule applied."""
    given = options_from_args(args, TrainOptions)
    labels = _split_list(given.pop("labels", None))
    if labels is not None:
        given["labels"] = labels
        if "other_label" not in given and "other" in labels:
            given["other_label"] = "other"
    if "mapping" in given:
        given["mapping"] = parse_mapping(given["mapping"])
    parts = _split_list(given.pop("channel_parts", None))
    if parts:
        given["channel_parts"] = parts
    hard = _split_list(given.pop("hard_negatives", None))
    if hard:
        given["hard_negatives"] = tuple(hard)
    return TrainOptions(**given, command="babblefish-train " + shlex.join(argv))


def _run_train(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from .training_run import train

    train(_train_options(args, argv))
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from .devmetrics import format_rate
    from .evaluate import evaluate
    from .report import format_report

    result = evaluate(args.model, args.data, parse_mapping(args.map), args.split, args.strict)
    if args.json:
        print(json.dumps(result, indent=None))
    else:
        print(f"model {result['model']} ({result['model_dir']}), split {result['split']}, "
              f"{result['skipped_files']} unreadable file(s) skipped")  # fmt: skip
        print(format_report(result))
        fb = result["full_band_cries"]
        print(f"full-band (not phone) cries at the threshold: {format_rate(fb)}; "
              f"phone cries: {format_rate(fb['phone_cries'])}")  # fmt: skip
        if "cascade" in result:
            print(_cascade_text(result["cascade"]))
    return 0


def _run_committee(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from .committee import build_committee

    section = build_committee(args.model, args.member, gate=args.gate, data=args.data,
                              out=args.out, version=args.version,
                              command="babblefish-train " + shlex.join(argv))  # fmt: skip
    val = section["validation"]
    print(f"committee of {len(section['networks'])} networks written to {args.out}: threshold "
          f"{val['threshold']:.4f}, validation AUC {val['auc']:.4f}, cry recall "
          f"{100 * val['cry_recall']:.1f} % at {100 * val['cry_fpr']:.1f} % false positives")  # fmt: skip
    return 0


def _cascade_text(cascade: dict[str, Any]) -> str:
    """The cascade's own lines: the figures above are its small network's alone."""
    from .devmetrics import format_rate

    if cascade["status"] != "on":
        return (f"second opinion {cascade['name']} unavailable ({cascade.get('reason')}): the "
                "monitor runs the small network alone, as scored above")  # fmt: skip
    auc = "n/a" if cascade["auc"] is None else f"{cascade['auc']:.4f}"
    return (f"with the second opinion ({cascade['name']}, asked on "
            f"{100 * cascade['windows_asked']:.1f} % of windows), as the monitor decides: AUC {auc}, "
            f"at the fused threshold {cascade['threshold']:.4f}: cry recall "
            f"{format_rate(cascade['cry_recall'])}, false-positive rate "
            f"{format_rate(cascade['cry_fpr'])}; full-band cries "
            f"{format_rate(cascade['full_band_cries'])}")  # fmt: skip


class _Format(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return f"warning: {text}" if record.levelno >= logging.WARNING else text


def _configure_logging(quiet: bool) -> None:
    """Progress and warnings to stderr (the current one, so repeated calls and tests behave)."""
    for handler in list(LOG.handlers):
        if getattr(handler, "babblefish", False):
            LOG.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.babblefish = True  # type: ignore[attr-defined]
    handler.setFormatter(_Format())
    LOG.addHandler(handler)
    LOG.setLevel(logging.WARNING if quiet else logging.INFO)
    LOG.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 130 interrupted)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    _configure_logging(args.quiet)
    try:
        if args.command == "prepare":
            return _run_prepare(args)
        if args.command == "train":
            return _run_train(args, arguments)
        if args.command == "committee":
            return _run_committee(args, arguments)
        return _run_evaluate(args)
    except (TrainingError, ModelError) as err:
        print(f"babblefish-train: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("babblefish-train: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
