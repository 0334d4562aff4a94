"""`TrainOptions`: every setting of a training run, each with its default, flag and help in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from .errors import TrainingError
from .flags import Flag
from .models import ARCHITECTURES
from .teacher import DEFAULT_TEACHER_SHARE
from .tuning import MAX_TUNING_HOURS, TUNING_HOURS

HARD_NEGATIVES = ("human_nonspeech", "animal")
# What `--channel-parts` can name (`channel_mix.channel_config_for` reads them); `--channel` is all.
CHANNEL_PARTS = ("phone", "room", "mic", "noise")


@dataclass(frozen=True)
class TrainOptions:
    """Everything `babblefish-train train` accepts; `Flag` marks a field's command-line flag."""

    data: Annotated[
        list[Path],
        Flag(
            "A folder-per-label dataset to train on; repeat the flag to combine several.",
            type=Path,
            action="append",
            metavar="DIR",
        ),
    ]
    out: Annotated[Path, Flag("The model directory to write.", type=Path, metavar="DIR")]
    labels: Annotated[
        list[str] | None,
        Flag(
            "The model's labels, comma or space separated.",
            shown="the dataset folders",
            nargs="+",
            metavar="LABEL",
        ),
    ] = None
    mapping: Annotated[
        dict[str, str],
        Flag(
            "Train dataset folder FOLDER as label LABEL; repeatable.",
            name="--map",
            shown="none",
            action="append",
            metavar="FOLDER=LABEL",
        ),
    ] = field(default_factory=dict)
    other_label: Annotated[
        str | None,
        Flag(
            "The label that every folder neither named in --labels nor mapped trains as.",
            shown="'other' when it is one of --labels; otherwise such a folder is an error",
            type=str,
            metavar="LABEL",
        ),
    ] = None
    arch: Annotated[str, Flag("The network architecture.", choices=ARCHITECTURES)] = "ds_cnn"
    epochs: Annotated[int, Flag("Passes over the augmented pool of windows.")] = 12
    seed: Annotated[
        int, Flag("Seeds the split, the augmentation and, without --init-seed, the weights.")
    ] = 0
    init_seed: Annotated[
        int | None,
        Flag(
            "Seeds only weight initialisation and batch order, to see a recipe's spread on one "
            "split.",
            shown="--seed",
            type=int,
        ),
    ] = None
    windows_per_label: Annotated[int, Flag("Augmented 1-s training windows drawn per label.")] = (
        3000
    )
    batch_size: Annotated[int, Flag("Windows per training step.")] = 128
    learning_rate: Annotated[
        float | None,
        Flag("The Adam step size.", shown="3e-3 for ds_cnn, 5e-4 for seed_conv", type=float),
    ] = None
    label_smoothing: Annotated[float, Flag("Cross-entropy label smoothing, between 0 and 0.5.")] = (
        0.0
    )
    spec_augment: Annotated[
        bool, Flag("Mask a random run of frames and of mel bands in each training window (ds_cnn).")
    ] = False
    weight_averaging: Annotated[
        bool, Flag("Export an exponential moving average of the weights over the last steps.")
    ] = False
    members: Annotated[
        int,
        Flag(
            "Train N networks and ship the mean of their logits (N times the size and cost).",
            metavar="N",
        ),
    ] = 1
    teachers: Annotated[
        int,
        Flag(
            "Train N networks, then ship one network trained on their averaged predictions "
            "(0: none).",
            metavar="N",
        ),
    ] = 0
    mine_fraction: Annotated[
        float,
        Flag(
            "After the epochs, train 3 more with this share of the top-scoring negatives "
            "weighted 4 times (0: no second pass).",
            name="--mine-negatives",
            metavar="SHARE",
        ),
    ] = 0.0
    mine_cries: Annotated[
        float,
        Flag(
            "With --mine-negatives, also weight this share of the lowest-scoring cries 4 times.",
            metavar="SHARE",
        ),
    ] = 0.0
    width: Annotated[int, Flag("Channels of each ds_cnn layer.")] = 48
    val_fraction: Annotated[float, Flag("Share of recording groups held out for validation.")] = (
        0.25
    )
    max_fpr: Annotated[float, Flag("Clip false-positive rate the crying threshold allows.")] = 0.01
    min_clips: Annotated[int, Flag("Fewest real clips a label may have.")] = 5
    strict: Annotated[bool, Flag("Stop at the first unreadable file instead of skipping it.")] = (
        False
    )
    quiet_label: Annotated[
        str, Flag("The label for which training also synthesises quiet rooms.", metavar="LABEL")
    ] = "quiet"
    noise_label: Annotated[
        str, Flag("The label for which training also synthesises noise machines.", metavar="LABEL")
    ] = "white_noise"
    hard_negatives: Annotated[
        tuple[str, ...],
        Flag(
            "A dataset folder whose clips weigh --hard-weight times more; repeatable.",
            name="--hard-negative",
            shown=", ".join(HARD_NEGATIVES),
            action="append",
            metavar="FOLDER",
        ),
    ] = HARD_NEGATIVES
    hard_weight: Annotated[float, Flag("How many times more a --hard-negative clip weighs.")] = 2.0
    tune_hours: Annotated[
        float,
        Flag(
            "Hours of night built from the held-out clips to tune the monitor's operating point "
            f"on, at most {MAX_TUNING_HOURS:g} (0: none; the monitor then uses its default)."
        ),
    ] = TUNING_HOURS
    teacher: Annotated[
        Path | None,
        Flag(
            "Distil from YAMNet (e.g. ../shared/models/yamnet/yamnet.tflite): its cry, speech and "
            "laughter scores of every training window blend into the targets.",
            shown="none",
            type=Path,
            metavar="TFLITE",
        ),
    ] = None
    teacher_share: Annotated[
        float, Flag("With --teacher, the teacher's share of each target, in [0, 0.5).")
    ] = DEFAULT_TEACHER_SHARE
    channel: Annotated[
        bool,
        Flag(
            "Channel variety: phone lines (ffmpeg GSM/Opus/Speex) for full-band clips, small "
            "rooms at 0.5-4 m, microphone colouring, hiss and automatic gain for every label."
        ),
    ] = False
    channel_parts: Annotated[
        list[str] | None,
        Flag(
            "Only these parts of channel variety, comma or space separated: phone (phone "
            "lines for full-band clips), room (rooms at 0.5-4 m), mic (colouring, hiss, "
            "automatic gain), noise (backgrounds down to -5 dB SNR). --channel is all four.",
            shown="none",
            nargs="+",
            metavar="PART",
        ),
    ] = None
    cache_dir: Annotated[
        Path | None,
        Flag(
            "Keep teacher scores and phone renditions here so a rerun does not pay for them.",
            shown="none (nothing kept)",
            type=Path,
            metavar="DIR",
        ),
    ] = None
    force: Annotated[
        bool, Flag("Replace the files of an --out folder that already holds some (else an error).")
    ] = False
    name: Annotated[str, Flag("The model's name in model.json and its card.")] = "babblefish-cry"
    version: Annotated[str, Flag("The model's version in model.json and its card.")] = "1"
    # Not flags: the monitor's 1-s window and its hop are fixed by its frontend and detector.
    frames: int = 98
    hop_frames: int = 49
    workers: int = 2
    command: str = ""  # the command line, recorded in model.json

    @property
    def channel_variety(self) -> frozenset[str]:
        """The parts of channel variety asked for (empty: none)."""
        if self.channel:
            return frozenset(CHANNEL_PARTS)
        return frozenset(self.channel_parts or ())

    @property
    def first_init_seed(self) -> int:
        """The seed of the first network's weights (and batch order)."""
        return self.seed if self.init_seed is None else self.init_seed

    def check(self) -> None:
        """Raise TrainingError naming the flag when a setting is out of range."""
        if self.arch not in ARCHITECTURES:
            raise TrainingError(
                f"--arch must be one of {', '.join(ARCHITECTURES)}, not {self.arch!r}"
            )
        if self.epochs < 1 or self.windows_per_label < 1 or self.members < 1:
            raise TrainingError("--epochs, --windows-per-label and --members must be at least 1")
        if self.teachers < 0 or (self.teachers and self.members > 1):
            raise TrainingError(
                "--teachers must be 0 or more, and cannot be combined with --members"
            )
        if self.teacher is not None and self.teachers:
            raise TrainingError("--teacher and --teachers are two kinds of distillation: pick one")
        if not 0.0 <= self.teacher_share < 0.5:
            raise TrainingError(
                "--teacher-share must be in [0, 0.5): the folder label keeps the argmax"
            )
        unknown = self.channel_variety - set(CHANNEL_PARTS)
        if unknown:
            raise TrainingError(
                f"--channel-parts knows {', '.join(CHANNEL_PARTS)}, not {', '.join(sorted(unknown))}"
            )
        if self.channel and self.channel_parts:
            raise TrainingError("--channel is every part already: give it or --channel-parts")
        if not 0.0 <= self.mine_fraction < 1.0:
            raise TrainingError("--mine-negatives must be a share in [0, 1)")
        if not 0.0 <= self.mine_cries < 1.0 or (self.mine_cries and not self.mine_fraction):
            raise TrainingError("--mine-cries must be a share in [0, 1), with --mine-negatives")
        if not 0.0 <= self.label_smoothing <= 0.5:
            raise TrainingError("--label-smoothing must be in [0, 0.5]")
        if not 0.0 <= self.val_fraction < 1.0:
            raise TrainingError("--val-fraction must be in [0, 1)")
        if not 0.0 <= self.tune_hours <= MAX_TUNING_HOURS:
            raise TrainingError(f"--tune-hours must be between 0 and {MAX_TUNING_HOURS:g}")
