"""A committee: the small model and sibling networks of its recipe, the siblings asked only on
windows the small model already finds cry-like.

Networks trained alike from different initial weights make different mistakes, so their
consensus is steadier than any one of them. Asking the siblings only where the first network's
cry score reaches the committee's gate keeps the cost to a fraction of the windows: below the
gate, the consensus would stay far under any threshold anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .classifier import Classifier, FloatArray
from .model import ModelError, ModelSpec

SECTION = "committee"
_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommitteeSpec:
    """model.json's "committee": the siblings' .tflite files and the first network's gate."""

    members: tuple[Path, ...]
    # First-network cry probability from which the siblings are asked.
    gate: float


def read_committee(spec: ModelSpec) -> CommitteeSpec | None:
    """The checked section (None when the directory has none); ModelError names what is wrong."""
    data = spec.extra.get(SECTION)
    if data is None:
        return None
    where = f"{spec.directory / 'model.json'}: {SECTION}"
    if not isinstance(data, dict):
        raise ModelError(f"{where} must be a JSON object")
    files = data.get("members")
    if (
        not isinstance(files, list)
        or not files
        or not all(isinstance(f, str) and f and Path(f).name == f for f in files)
    ):
        raise ModelError(f"{where}.members must list .tflite files inside the model directory")
    gate = data.get("gate")
    if isinstance(gate, bool) or not isinstance(gate, int | float) or not 0.0 <= gate < 1.0:
        raise ModelError(f"{where}.gate must be a number from 0 up to (not including) 1")
    paths = tuple(spec.directory / f for f in files)
    for path in paths:
        if not path.is_file():
            raise ModelError(
                f"model directory {spec.directory} has no {path.name}, which its committee "
                "lists; copy the whole directory again or export it again with babblefish-train"
            )
    return CommitteeSpec(paths, float(gate))


def consensus(rows: Sequence[FloatArray]) -> FloatArray:
    """Every label's probability from several networks: the softmax of their mean log-probability
    (the same as averaging their logits): a network sure a window is not crying weighs as much as
    one sure it is."""
    logs = np.mean([np.log(np.clip(r, 1e-7, 1.0)) for r in rows], axis=0)
    exp = np.exp(logs - logs.max(axis=-1, keepdims=True))
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True), dtype=np.float32)


def gated_consensus(
    rows: FloatArray,
    cry_index: int,
    gate: float,
    siblings: Callable[[npt.NDArray[np.intp]], Sequence[FloatArray]],
) -> tuple[FloatArray, int]:
    """The first network's `rows` with the consensus in place wherever its cry score reaches
    `gate` (the siblings' rows for those windows come from `siblings(indices)`), and how many
    windows asked. The monitor and the offline benches both combine networks here."""
    gated = np.flatnonzero(rows[:, cry_index] >= gate)
    if gated.size == 0:
        return rows, 0
    joined = rows.copy()
    joined[gated] = consensus([rows[gated], *siblings(gated)])
    return joined, int(gated.size)


class Committee(Classifier):
    """The first network on every window; with its siblings' consensus where it gates."""

    def __init__(self, spec: ModelSpec, committee: CommitteeSpec, num_threads: int = 1) -> None:
        super().__init__(spec, num_threads)
        self.gate = committee.gate
        self.members = [Classifier(spec, num_threads, model_path=p) for p in committee.members]
        # Siblings exported with the first's input quantisation (the usual case: the same
        # recipe) take its prepared windows as they are; the others are prepared again.
        self._same_input = [m.input_quantisation == self.input_quantisation for m in self.members]
        self.asked = 0  # windows the siblings were asked about, since start
        self.seen = 0
        _LOGGER.info(
            "a committee of %d networks: the siblings are asked on windows scoring >= %.3f",
            len(self.members) + 1, self.gate,
        )  # fmt: skip

    def predict_prepared(self, windows: npt.NDArray[Any]) -> FloatArray:
        def siblings(gated: npt.NDArray[np.intp]) -> list[FloatArray]:
            batch = windows[gated]
            return [m.predict_prepared(batch if same else m.prepare(self.restore(batch)))
                    for m, same in zip(self.members, self._same_input, strict=True)]  # fmt: skip

        rows, asked = gated_consensus(
            super().predict_prepared(windows), self.spec.cry_index, self.gate, siblings
        )
        self.seen += rows.shape[0]
        self.asked += asked
        return rows


def classifier_for(spec: ModelSpec, num_threads: int = 1) -> Classifier:
    """What scores a model directory's windows: its committee when it has one, else its network."""
    committee = read_committee(spec)
    if committee is None:
        return Classifier(spec, num_threads)
    return Committee(spec, committee, num_threads)
