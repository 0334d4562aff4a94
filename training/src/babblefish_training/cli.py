"""babblefish-train: argparse for prepare, train and evaluate; user mistakes exit 2 with a message."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from babblefish_monitor.audio.model import ModelError

from .errors import TrainingError
from .labels import parse_mapping
from .teacher import DEFAULT_TEACHER_SHARE
from .tuning import MAX_TUNING_HOURS, TUNING_HOURS

LOG = logging.getLogger("babblefish_training")


def _split_list(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="babblefish-train", description="Train and evaluate Babblefish cry models."
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True)

    prep = sub.add_parser(
        "prepare", help="cut recordings into 16 kHz mono clips (folder per label)"
    )
    prep.add_argument(
        "input", type=Path, help="IN/<label>/<recording> (any format soundfile or ffmpeg reads)"
    )
    prep.add_argument("output", type=Path, help="OUT/<label>/<clip>.flac plus OUT/manifest.csv")
    prep.add_argument("--clip-seconds", type=float, default=5.0)
    prep.add_argument(
        "--hop-seconds", type=float, default=None, help="default: clip length (no overlap)"
    )
    prep.add_argument(
        "--normalise-dbfs", type=float, default=None, help="set each clip's RMS level"
    )
    prep.add_argument("--min-seconds", type=float, default=1.0, help="shortest last piece kept")
    prep.add_argument(
        "--drop-below-dbfs", type=float, default=None, help="drop clips quieter than this"
    )
    prep.add_argument("--strict", action="store_true", help="stop at the first unreadable file")

    tr = sub.add_parser("train", help="train, export int8 TFLite and validate")
    tr.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        help="folder-per-label dataset (repeatable)",
    )
    tr.add_argument("--out", type=Path, required=True, help="model directory to write")
    tr.add_argument(
        "--labels", nargs="+", help="model labels (comma or space separated); default: the folders"
    )
    tr.add_argument(
        "--map", action="append", default=[], metavar="FOLDER=LABEL", help="train FOLDER as LABEL"
    )
    tr.add_argument(
        "--other-label",
        default=None,
        help="label for unmapped folders (default: 'other' if a label)",
    )
    tr.add_argument("--arch", choices=("ds_cnn", "seed_conv"), default="ds_cnn")
    tr.add_argument("--epochs", type=int, default=12)
    tr.add_argument("--seed", type=int, default=0, help="split, augmentation and, by default, init")
    tr.add_argument(
        "--init-seed",
        type=int,
        default=None,
        help="weight initialisation and batch order only (default: --seed); vary it to see the "
        "spread of a recipe on the same split",
    )
    tr.add_argument(
        "--windows-per-label", type=int, default=3000, help="augmented 1-s windows per label"
    )
    tr.add_argument("--batch-size", type=int, default=128)
    tr.add_argument(
        "--learning-rate",
        type=float,
        default=None,
        help="Adam step (default: 3e-3 ds_cnn, 5e-4 seed_conv)",
    )
    tr.add_argument(
        "--label-smoothing", type=float, default=0.0, help="cross-entropy label smoothing (0-0.5)"
    )
    tr.add_argument(
        "--spec-augment",
        action="store_true",
        help="mask a random run of frames and of mel bands in each training window (ds_cnn)",
    )
    tr.add_argument(
        "--weight-averaging",
        action="store_true",
        help="export an exponential moving average of the weights over the last steps",
    )
    tr.add_argument(
        "--members",
        type=int,
        default=1,
        help="train N networks and ship the mean of their logits (N times the size and cost)",
    )
    tr.add_argument(
        "--teachers",
        type=int,
        default=0,
        help="train N networks, then ship one network trained on their averaged predictions",
    )
    tr.add_argument(
        "--mine-negatives",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="then train 3 more epochs with this share of the top-scoring negatives weighted x4",
    )
    tr.add_argument(
        "--mine-cries",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="with --mine-negatives: also weight this share of the lowest-scoring cries x4",
    )
    tr.add_argument(
        "--teacher",
        type=Path,
        default=None,
        metavar="TFLITE",
        help="distil from YAMNet (e.g. ../shared/models/yamnet/yamnet.tflite): its cry, speech "
        "and laughter scores of every training window blend into the targets",
    )
    tr.add_argument(
        "--teacher-share",
        type=float,
        default=DEFAULT_TEACHER_SHARE,
        help="with --teacher: the teacher's share of each target, in [0, 0.5)",
    )
    tr.add_argument(
        "--channel",
        action="store_true",
        help="channel variety: phone lines (ffmpeg GSM/Opus/Speex) for full-band clips, small "
        "rooms at 0.5-4 m, microphone colouring, hiss and automatic gain for every label",
    )
    tr.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="keep teacher scores and phone renditions here so a rerun does not pay for them",
    )
    tr.add_argument("--width", type=int, default=48, help="ds_cnn channels")
    tr.add_argument(
        "--val-fraction", type=float, default=0.25, help="share of recording groups held out"
    )
    tr.add_argument(
        "--max-fpr", type=float, default=0.01, help="clip false-positive rate the threshold allows"
    )
    tr.add_argument("--min-clips", type=int, default=5, help="fewest real clips a label may have")
    tr.add_argument("--quiet-label", default="quiet", help="synthesise quiet rooms for this label")
    tr.add_argument(
        "--noise-label", default="white_noise", help="synthesise noise machines for this label"
    )
    tr.add_argument("--hard-negative", action="append", default=None, metavar="FOLDER",
                    help="folder whose clips weigh more in the loss (default: human_nonspeech, animal)")  # fmt: skip
    tr.add_argument("--hard-weight", type=float, default=2.0)
    tr.add_argument("--tune-hours", type=float, default=TUNING_HOURS,
                    help="hours of night built from the held-out clips to tune the monitor's "
                         "operating point on (0: none; the monitor then uses its default)")  # fmt: skip
    tr.add_argument("--name", default="babblefish-cry")
    tr.add_argument("--version", default="1")
    tr.add_argument("--strict", action="store_true", help="unreadable files are an error")

    ev = sub.add_parser(
        "evaluate", help="score data with an exported model (the monitor's inference code)"
    )
    ev.add_argument(
        "--model", type=Path, default=None, help="model directory (default: the shipped model)"
    )
    ev.add_argument(
        "--data", type=Path, action="append", required=True, help="folder-per-label dataset"
    )
    ev.add_argument("--map", action="append", default=[], metavar="FOLDER=LABEL")
    ev.add_argument("--split", choices=("all", "validation", "train"), default="all",
                    help="only the recording groups the model held out (validation) or trained on")  # fmt: skip
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--strict", action="store_true", help="unreadable files are an error")
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


def _run_train(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from .models import ARCHITECTURES
    from .pipeline import TrainOptions, train

    labels = _split_list(args.labels)
    other = args.other_label
    if other is None and labels is not None and "other" in labels:
        other = "other"
    if (
        args.arch not in ARCHITECTURES
        or args.epochs < 1
        or args.windows_per_label < 1
        or args.members < 1
    ):
        raise TrainingError("--epochs, --windows-per-label and --members must be at least 1")
    if args.teachers < 0 or (args.teachers and args.members > 1):
        raise TrainingError("--teachers must be 0 or more, and cannot be combined with --members")
    if args.teacher is not None and args.teachers:
        raise TrainingError("--teacher and --teachers are two kinds of distillation: pick one")
    if not 0.0 <= args.teacher_share < 0.5:
        raise TrainingError(
            "--teacher-share must be in [0, 0.5): the folder label keeps the argmax"
        )
    if not 0.0 <= args.mine_negatives < 1.0:
        raise TrainingError("--mine-negatives must be a share in [0, 1)")
    if not 0.0 <= args.mine_cries < 1.0 or (args.mine_cries and not args.mine_negatives):
        raise TrainingError("--mine-cries must be a share in [0, 1), with --mine-negatives")
    if not 0.0 <= args.label_smoothing <= 0.5:
        raise TrainingError("--label-smoothing must be in [0, 0.5]")
    if not 0.0 <= args.val_fraction < 1.0:
        raise TrainingError("--val-fraction must be in [0, 1)")
    if not 0.0 <= args.tune_hours <= MAX_TUNING_HOURS:
        raise TrainingError(f"--tune-hours must be between 0 and {MAX_TUNING_HOURS:g}")
    options = TrainOptions(
        data=args.data, out=args.out, labels=labels, mapping=parse_mapping(args.map),
        other_label=other, arch=args.arch, epochs=args.epochs, seed=args.seed,
        windows_per_label=args.windows_per_label, batch_size=args.batch_size,
        learning_rate=args.learning_rate, label_smoothing=args.label_smoothing,
        spec_augment=args.spec_augment, weight_averaging=args.weight_averaging,
        members=args.members, teachers=args.teachers, mine_fraction=args.mine_negatives,
        mine_cries=args.mine_cries,
        init_seed=args.init_seed,
        width=args.width, val_fraction=args.val_fraction,
        max_fpr=args.max_fpr, min_clips=args.min_clips, strict=args.strict,
        quiet_label=args.quiet_label, noise_label=args.noise_label,
        hard_negatives=tuple(_split_list(args.hard_negative) or ("human_nonspeech", "animal")),
        hard_weight=args.hard_weight, tune_hours=args.tune_hours, name=args.name, version=args.version,
        command="babblefish-train " + shlex.join(argv),
        teacher=args.teacher, teacher_share=args.teacher_share, channel=args.channel,
        cache_dir=args.cache_dir,
    )  # fmt: skip
    train(options)
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate
    from .report import format_report

    result = evaluate(args.model, args.data, parse_mapping(args.map), args.split, args.strict)
    if args.json:
        print(json.dumps(result, indent=None))
    else:
        print(f"model {result['model']} ({result['model_dir']}), split {result['split']}, "
              f"{result['skipped_files']} unreadable file(s) skipped")  # fmt: skip
        print(format_report(result))
    return 0


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
        return _run_evaluate(args)
    except (TrainingError, ModelError) as err:
        print(f"babblefish-train: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("babblefish-train: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
