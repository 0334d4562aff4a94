"""Per-home correction from the parent's labels: silence sounds close to labelled false alarms, raise
sounds close to labelled missed cries, and refuse any correction that would lose a known cry."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ParamSpec

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.detector import Detector

from .features import CRY, TIME

P = ParamSpec("P")

FloatArray = npt.NDArray[np.float32]
Float64 = npt.NDArray[np.float64]
# Distances are root-mean-square differences of standardised features. 0.5 keeps to near-repeats
# of a labelled sound (the same dog, the same television jingle) in the home simulation; smaller
# radii are tried when a larger one would lose a cry.
RADII = (0.5, 0.35, 0.25)
MAX_PROTOTYPES = 4000
MISSED_SHARE = 0.5  # the louder half (by cry score) of a missed cry's windows teaches the boost
# ...and only windows the model already found somewhat cry-like: the parent's moment is rough, and
# the room's quiet around a cry must never learn to alarm.
MISSED_FLOOR = 0.1


@dataclass(frozen=True)
class Sample:
    """A labelled stretch of audio as stored rows: [time, raw cry score, features...]."""

    name: str
    rows: FloatArray

    @property
    def times(self) -> Float64:
        return self.rows[:, TIME].astype(np.float64)

    @property
    def cry(self) -> Float64:
        return self.rows[:, CRY].astype(np.float64)

    @property
    def features(self) -> FloatArray:
        return self.rows[:, CRY + 1 :]


@dataclass
class Evidence:
    """Everything a fit may use or must protect."""

    false_alarms: list[Sample] = field(default_factory=list)
    cries: list[Sample] = field(default_factory=list)  # confirmed by the parent
    missed: list[Sample] = field(default_factory=list)  # cries the monitor did not hear
    reference: list[Sample] = field(default_factory=list)  # shipped, redistributable cries


@dataclass(frozen=True)
class Correction:
    """A fitted correction; `adjust` maps window features and raw cry scores to corrected ones."""

    center: FloatArray
    scale: FloatArray
    suppress: FloatArray  # standardised false-alarm windows
    boost: FloatArray  # standardised missed-cry windows
    radius: float
    boost_to: float

    def _near(self, z: FloatArray, prototypes: FloatArray) -> npt.NDArray[np.bool_]:
        if prototypes.shape[0] == 0 or z.shape[0] == 0:
            return np.zeros(z.shape[0], dtype=bool)
        # |a-b|^2 = |a|^2 + |b|^2 - 2ab, in one matrix product
        d2 = (
            (z * z).sum(axis=1)[:, None]
            + (prototypes * prototypes).sum(axis=1)[None, :]
            - 2.0 * z @ prototypes.T
        )
        rms = np.sqrt(np.maximum(d2.min(axis=1), 0.0) / z.shape[1])
        near: npt.NDArray[np.bool_] = rms < self.radius
        return near

    def adjust(self, features: FloatArray, cry: Float64) -> Float64:
        z = ((features - self.center) / self.scale).astype(np.float32)
        out = cry.copy()
        out[self._near(z, self.suppress)] = 0.0
        raise_ = self._near(z, self.boost) & (out < self.boost_to)
        out[raise_] = self.boost_to  # a cry first: a window near a missed cry is never silenced
        return out


@dataclass
class FitReport:
    """What a fit did and why; the panel and diagnostics show it as it is."""

    status: str  # "none", "applied", "refused"
    reason: str
    correction: Correction | None = None
    false_alarms_total: int = 0
    false_alarms_removed: int = 0
    cries_checked: int = 0
    cries_kept: int = 0
    reference_checked: int = 0
    missed_recovered: int = 0
    radius: float | None = None
    fit_ms: float = 0.0
    lost: list[str] = field(default_factory=list)


DetectorFactory = Callable[[], Detector]


def detects(factory: DetectorFactory, sample: Sample, cry: Float64, window_s: float) -> bool:
    """Whether a fresh live detector would raise an episode on these scores."""
    if cry.size == 0:
        return False
    detector = factory()
    events = detector.process(sample.times, cry, window_s)
    events += detector.flush(float(sample.times[-1]))
    return any(e.kind == "cry_started" for e in events)


def _standardiser(evidence: Evidence) -> tuple[FloatArray, FloatArray]:
    pool = [s.features for group in vars(evidence).values() for s in group if s.rows.size]
    data = np.concatenate(pool)
    center = data.mean(axis=0).astype(np.float32)
    spread = data.std(axis=0)
    floor = max(float(np.median(spread)) * 0.1, 1e-3)
    return center, np.maximum(spread, floor).astype(np.float32)


def _prototypes(
    samples: list[Sample], keep: Callable[[Sample], npt.NDArray[np.bool_]]
) -> FloatArray:
    chosen = [s.features[keep(s)] for s in samples if s.rows.size]
    if not chosen:
        return np.zeros((0, 0), np.float32)
    data = np.concatenate(chosen)
    if data.shape[0] > MAX_PROTOTYPES:
        data = data[np.linspace(0, data.shape[0] - 1, MAX_PROTOTYPES).astype(int)]
    return data


def _timed(fitter: Callable[P, FitReport]) -> Callable[P, FitReport]:
    """Stamp the report with how long the fit took, whichever way it returned."""

    @functools.wraps(fitter)
    def timed(*args: P.args, **kwargs: P.kwargs) -> FitReport:
        started = time.perf_counter()
        report = fitter(*args, **kwargs)
        report.fit_ms = round(1000 * (time.perf_counter() - started), 1)
        return report

    return timed


@_timed
def fit(
    evidence: Evidence,
    factory: DetectorFactory,
    window_s: float,
    on_threshold: float,
    off_threshold: float,
) -> FitReport:
    """The largest safe correction the labels support, or a refusal naming the cry it would lose."""
    false_alarms = [s for s in evidence.false_alarms if s.rows.size]
    missed = [s for s in evidence.missed if s.rows.size]
    if not false_alarms and not missed:
        return FitReport("none", "nothing to learn yet: label a false alarm or a missed cry")
    center, scale = _standardiser(evidence)
    firing = _prototypes(false_alarms, lambda s: s.cry >= off_threshold)
    loud = _prototypes(
        missed, lambda s: s.cry >= max(float(np.quantile(s.cry, 1 - MISSED_SHARE)), MISSED_FLOOR)
    )

    def standard(x: FloatArray) -> FloatArray:
        if x.size == 0:
            return np.zeros((0, center.size), np.float32)
        return ((x - center) / scale).astype(np.float32)

    protected = [(f"the cry you confirmed ({s.name})", s) for s in evidence.cries]
    protected += [(f"the reference cry {s.name}", s) for s in evidence.reference]
    # A cry the model never caught on its own cannot be lost; the rest must all survive.
    guarded = [(what, s) for what, s in protected if detects(factory, s, s.cry, window_s)]
    lost: list[str] = []
    boost_to = min(0.999, on_threshold + 0.5 * (1.0 - on_threshold))
    for radius in RADII:
        correction = Correction(center, scale, standard(firing), standard(loud), radius, boost_to)
        lost = [
            what
            for what, s in guarded
            if not detects(factory, s, correction.adjust(s.features, s.cry), window_s)
        ]
        if lost:
            continue
        removed = sum(
            detects(factory, s, s.cry, window_s)
            and not detects(factory, s, correction.adjust(s.features, s.cry), window_s)
            for s in false_alarms
        )
        recovered = sum(
            detects(factory, s, correction.adjust(s.features, s.cry), window_s) for s in missed
        )
        return FitReport(
            "applied",
            f"applied: {removed} of {len(false_alarms)} labelled false alarms would now stay "
            f"quiet, all {len(guarded)} known cries still detected",
            correction,
            false_alarms_total=len(false_alarms),
            false_alarms_removed=removed,
            cries_checked=len(guarded),
            cries_kept=len(guarded),
            reference_checked=len(evidence.reference),
            missed_recovered=recovered,
            radius=radius,
        )
    return FitReport(
        "refused",
        f"refused: even the narrowest correction would silence {lost[0]}"
        + (f" and {len(lost) - 1} more" if len(lost) > 1 else "")
        + "; check the labels (a 'Not crying' on a real cry?)",
        false_alarms_total=len(false_alarms),
        cries_checked=len(guarded),
        cries_kept=len(guarded) - len(lost),
        reference_checked=len(evidence.reference),
        lost=lost,
    )
