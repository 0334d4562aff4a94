"""Split clips into training and validation by recording group, so no recording is on both sides."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

LOG = logging.getLogger("babblefish_training")


def split_groups(
    groups: Sequence[str], strata: Sequence[str], val_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Indices (train, validation); each stratum gives about `val_fraction` of its groups to validation.

    Strata are e.g. label/source, so phone cries and full-band cries are both validated. A group
    goes wherever its most common stratum sends it. A stratum with a single group keeps it for
    training (it cannot be validated without leaking), and the caller is warned.
    """
    labels = strata
    if len(groups) != len(labels):
        raise ValueError("groups and labels must have the same length")
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError("val_fraction must be in [0, 1)")
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for group, label in zip(groups, labels, strict=True):
        votes[group][label] += 1
    by_label: dict[str, list[str]] = defaultdict(list)
    for group in sorted(votes):
        by_label[votes[group].most_common(1)[0][0]].append(group)
    rng = np.random.default_rng(seed)
    val_groups: set[str] = set()
    for label in sorted(by_label):
        members = by_label[label]
        if val_fraction == 0.0:
            continue
        if len(members) < 2:
            LOG.warning("%s has one recording group: it trains but is not validated", label)
            continue
        take = min(len(members) - 1, max(1, round(val_fraction * len(members))))
        order = rng.permutation(len(members))
        val_groups.update(members[i] for i in order[:take])
    train = [i for i, g in enumerate(groups) if g not in val_groups]
    val = [i for i, g in enumerate(groups) if g in val_groups]
    return train, val
