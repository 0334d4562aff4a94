"""Group-wise validation split: no recording on both sides, every validatable stratum validated."""

from __future__ import annotations

from babblefish_training.split import split_groups


def _toy() -> tuple[list[str], list[str]]:
    groups, strata = [], []
    for label, count in (
        ("crying/dac", 40),
        ("crying/esc50", 6),
        ("talking/fsdd", 4),
        ("white_noise/scbg", 1),
    ):
        for g in range(count):
            for _ in range(1 + g % 3):
                groups.append(f"{label}:{g}")
                strata.append(label)
    return groups, strata


def test_no_group_on_both_sides() -> None:
    groups, strata = _toy()
    for seed in range(5):
        train, val = split_groups(groups, strata, 0.25, seed)
        assert sorted(train + val) == list(range(len(groups)))
        assert not {groups[i] for i in train} & {groups[i] for i in val}


def test_every_stratum_with_two_groups_is_validated_and_trained() -> None:
    groups, strata = _toy()
    train, val = split_groups(groups, strata, 0.25, 0)
    val_strata = {strata[i] for i in val}
    train_strata = {strata[i] for i in train}
    assert val_strata == {"crying/dac", "crying/esc50", "talking/fsdd"}
    # The single white-noise recording cannot be validated without leaking: it trains.
    assert train_strata == {"crying/dac", "crying/esc50", "talking/fsdd", "white_noise/scbg"}
    dac_val = {groups[i] for i in val if strata[i] == "crying/dac"}
    assert len(dac_val) == 10


def test_split_is_deterministic_per_seed() -> None:
    groups, strata = _toy()
    assert split_groups(groups, strata, 0.25, 3) == split_groups(groups, strata, 0.25, 3)
    assert split_groups(groups, strata, 0.25, 3) != split_groups(groups, strata, 0.25, 4)


def test_zero_fraction_validates_nothing() -> None:
    groups, strata = _toy()
    train, val = split_groups(groups, strata, 0.0, 0)
    assert val == [] and len(train) == len(groups)


def test_group_follows_its_majority_stratum() -> None:
    groups = ["a", "a", "a", "b", "c", "d"]
    strata = ["x", "x", "y", "x", "x", "y"]
    for seed in range(10):
        train, val = split_groups(groups, strata, 0.5, seed)
        sides = {groups[i]: ("t" if i in train else "v") for i in range(len(groups))}
        assert sides["a"] == ("t" if 0 in train else "v")
        assert not {groups[i] for i in train} & {groups[i] for i in val}
