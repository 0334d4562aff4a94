"""`babblefish-train train`'s flags come from TrainOptions: one default per setting, each flag explained."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from babblefish_training.cli import _parser, _train_options, main
from babblefish_training.flags import flag_name, option_flags
from babblefish_training.options import TrainOptions


def _train_actions() -> dict[str, object]:
    sub = next(a for a in _parser()._actions if a.dest == "command")
    parser = sub.choices["train"]  # type: ignore[attr-defined]
    return {a.dest: a for a in parser._actions if a.dest != "help"}


def test_leaving_out_every_optional_flag_gives_the_dataclass_defaults() -> None:
    argv = ["train", "--data", "d", "--out", "m"]
    options = _train_options(_parser().parse_args(argv), argv)
    expected = TrainOptions(
        data=[Path("d")], out=Path("m"), command="babblefish-train " + " ".join(argv)
    )
    assert options == expected


def test_every_flag_is_a_field_and_every_field_but_the_fixed_ones_a_flag() -> None:
    flagged = {field.name for field, _ in option_flags(TrainOptions)}
    assert set(_train_actions()) == flagged
    unflagged = {f.name for f in dataclasses.fields(TrainOptions)} - flagged
    assert unflagged == {"frames", "hop_frames", "workers", "command"}


def test_every_flag_has_a_sentence_and_its_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for field, flag in option_flags(TrainOptions):
        help_text = _train_actions()[field.name].help  # type: ignore[attr-defined]
        assert help_text.endswith((".", ". Required.")), flag_name(field, flag)
        if field.default is not dataclasses.MISSING and flag.shown is None:
            shown = "off" if field.default is False else str(field.default)
            assert help_text.endswith(f"Default: {shown}."), flag_name(field, flag)
    monkeypatch.setenv("COLUMNS", "400")  # one line per flag
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    assert (
        "Default: 12." in text
        and "Default: 0.25." in text
        and "Default: human_nonspeech, animal." in text
    )


def test_flags_set_the_fields_they_name() -> None:
    argv = ["train", "--data", "a", "--data", "b", "--out", "m", "--labels", "crying,other", "quiet",
            "--map", "whimper=crying", "--mine-negatives", "0.1", "--hard-negative", "animal,cat",
            "--spec-augment", "--epochs", "3", "--learning-rate", "1e-3", "--arch", "seed_conv"]  # fmt: skip
    options = _train_options(_parser().parse_args(argv), argv)
    assert options.data == [Path("a"), Path("b")]
    assert options.labels == ["crying", "other", "quiet"] and options.other_label == "other"
    assert options.mapping == {"whimper": "crying"}
    assert options.mine_fraction == 0.1 and options.hard_negatives == ("animal", "cat")
    assert options.spec_augment and options.epochs == 3 and options.learning_rate == 1e-3
    assert options.arch == "seed_conv"


def test_channel_parts_are_split_and_channel_means_all_of_them() -> None:
    argv = ["train", "--data", "a", "--out", "m", "--channel-parts", "room,mic", "noise"]
    options = _train_options(_parser().parse_args(argv), argv)
    assert options.channel_variety == {"room", "mic", "noise"}
    everything = dataclasses.replace(options, channel=True, channel_parts=None)
    assert everything.channel_variety == {"phone", "room", "mic", "noise"}
    assert dataclasses.replace(options, channel_parts=None).channel_variety == frozenset()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "--epochs"),
        ({"teachers": 2, "members": 2}, "--teachers"),
        ({"mine_fraction": 1.0}, "--mine-negatives"),
        ({"mine_cries": 0.2}, "--mine-cries"),
        ({"label_smoothing": 0.6}, "--label-smoothing"),
        ({"val_fraction": 1.0}, "--val-fraction"),
        ({"tune_hours": 13.0}, "--tune-hours"),
        ({"arch": "resnet"}, "--arch"),
        ({"channel_parts": ["room", "phones"]}, "--channel-parts knows .* not phones"),
        ({"channel": True, "channel_parts": ["room"]}, "--channel is every part"),
    ],
)
def test_out_of_range_options_name_their_flag(changes: dict[str, object], message: str) -> None:
    from babblefish_training.errors import TrainingError

    options = dataclasses.replace(TrainOptions(data=[Path("d")], out=Path("m")), **changes)  # type: ignore[arg-type]
    with pytest.raises(TrainingError, match=message):
        options.check()


def test_every_flag_of_every_subcommand_says_what_and_its_default() -> None:
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    parsers = {"babblefish-train": parser, **sub.choices}  # type: ignore[dict-item]
    for name, each in parsers.items():
        for action in each._actions:  # type: ignore[attr-defined]
            if action.dest in ("help", "command"):
                continue
            text = (action.help or "") % {"default": action.default}
            where = f"{name} {action.option_strings or action.dest}"
            assert text[:1].isupper() and text.endswith("."), where
            if action.option_strings:
                assert "Default: " in text or text.endswith("Required."), where
