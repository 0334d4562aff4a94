"""The cascade: the small model always on, a second model asked only about candidate windows."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from .cascade_spec import SECTION, CascadeSpec, CascadeSpecError, read_cascade
from .model import ModelError, ModelSpec
from .second_opinion import SecondOpinion

_LOGGER = logging.getLogger(__name__)
Status = Literal["on", "off", "unavailable"]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OpinionStatus:
    """What /api/v1/info says about the second opinion: on, off (none configured) or unavailable."""

    status: Status
    name: str | None = None
    gate: float | None = None
    fusion: str | None = None
    reason: str | None = None


@dataclass
class Cascade:
    """The checked second model (None: the small model decides alone) and why it is or is not on."""

    opinion: SecondOpinion | None
    status: OpinionStatus
    asked: int = 0  # windows the second model was asked about, since start
    seen: int = 0  # windows the small model scored

    @property
    def spec(self) -> CascadeSpec | None:
        return self.opinion.spec if self.opinion is not None else None

    def candidates(self, cry: FloatArray) -> npt.NDArray[np.bool_]:
        """Windows whose small-model cry score opens the gate."""
        spec = self.spec
        if spec is None:
            return np.zeros(cry.shape, dtype=bool)
        return np.asarray(cry >= spec.gate)

    def fuse(self, cry: FloatArray, second: FloatArray) -> FloatArray:
        """The cry score the detector sees, from the small model's and the second model's."""
        spec = self.spec
        assert spec is not None
        moved = _logit(second) + spec.log_odds_offset
        if spec.fusion == "mean":
            return _sigmoid((_logit(cry) + moved) / 2)
        if spec.fusion == "noisy_or":
            return np.asarray(1 - (1 - cry) * (1 - _sigmoid(moved)))
        return np.maximum(cry, _sigmoid(moved))

    def operating_spec(self, model: ModelSpec) -> ModelSpec:
        """`model` at the threshold the detector acts on: the cascade's fused threshold while the
        second model answers, the small model's own otherwise."""
        spec = self.spec
        if spec is None or spec.fused_threshold is None:
            return model
        return replace(model, threshold=spec.fused_threshold)

    def disable(self, error: str) -> None:
        """The second model failed while running: say so once and let the small model decide."""
        reason = f"{error}; cry detection runs on the small model alone"
        _LOGGER.warning("SECOND OPINION STOPPED: %s", reason)
        self.status = OpinionStatus("unavailable", self.status.name, reason=reason)
        self.opinion = None

    @property
    def asked_fraction(self) -> float:
        return self.asked / self.seen if self.seen else 0.0


def _logit(p: FloatArray) -> FloatArray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(clipped / (1 - clipped)))


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1 / (1 + np.exp(-x)))


_LOADED: dict[tuple[Path, str], Cascade] = {}


def off() -> Cascade:
    """No second opinion: the small model alone."""
    return Cascade(None, OpinionStatus("off"))


def cascade_for(spec: ModelSpec) -> Cascade:
    """The model directory's cascade, loaded once per directory and section (so a failure is
    logged once however often a pipeline is rebuilt); a cascade that cannot run degrades to
    the small model alone."""
    section = spec.extra.get(SECTION)
    if section is None:
        return off()
    key = (spec.directory, repr(section))
    if key not in _LOADED:
        _LOADED[key] = _load(spec, section)
    return _LOADED[key]


def _load(spec: ModelSpec, section: object) -> Cascade:
    name = section.get("name") if isinstance(section, dict) else None
    try:
        cascade_spec = read_cascade(spec.directory, section, spec.threshold)
        opinion = SecondOpinion(cascade_spec)
    except (CascadeSpecError, ModelError) as err:
        reason = f"{err}; cry detection runs on the small model alone"
        _LOGGER.warning("SECOND OPINION UNAVAILABLE: %s", reason)
        return Cascade(
            None, OpinionStatus("unavailable", str(name) if name else None, reason=reason)
        )
    _LOGGER.info(
        "second opinion from %s on windows scoring >= %.3f (%s fusion)",
        cascade_spec.name, cascade_spec.gate, cascade_spec.fusion,
    )  # fmt: skip
    return Cascade(
        opinion,
        OpinionStatus("on", cascade_spec.name, cascade_spec.gate, cascade_spec.fusion),
    )
