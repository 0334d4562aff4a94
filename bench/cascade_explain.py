"""Where a model directory's own cascade goes wrong on the dev benches, clip by clip and window by window.

    python bench/cascade_explain.py [--model DIR] [--second YAMNET] [--night night-B.flac ...]

For the cascade `model.json` carries (its gate, fusion, fused threshold and shift):
- the validation negatives through phone lines that reach the fused threshold, and the
  validation cries in rooms at 2-3 m that do not, each with both models' clip scores and the
  second model's strongest classes on the window it heard most as crying;
- per night, each false alarm with the scores of the windows up to its announcement and what was
  playing, and each episode announced more than 3 s after it was first heard.
Scores come from the caches `cascade_bench.py` writes (and are computed where missing).
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from babblefish_monitor.audio.cascade import cascade_for
from babblefish_monitor.audio.detector import DetectorConfig
from babblefish_monitor.audio.model import ModelSpec, load_model_dir
from babblefish_monitor.audio.pipeline import DEFAULT_HOP_SECONDS
from babblefish_monitor.audio.second_opinion import SecondOpinion
from babblefish_training.cascade_scoring import contexts_for_clip
from babblefish_training.dataset import Clip, load_clips, scan_datasets
from babblefish_training.operating_point import Scores, trial
from cascade_bench import DATA, ONSET_P90_TARGET_S, ROOT, SHARED
from cascade_scores import (
    Float64,
    FloatArray,
    WindowScores,
    clip_scores,
    fused,
    night_scores,
    pooled,
    swap_audio,
)

WINDOWS_BEFORE = 6  # windows printed before a false alarm's announcement


def class_names(second: Path) -> list[str]:
    """YAMNet's display names from the class map beside it (indices when it is absent)."""
    path = second.with_name("yamnet_class_map.csv")
    if not path.is_file():
        return [str(i) for i in range(521)]
    with path.open(encoding="utf-8") as f:
        return [row["display_name"] for row in csv.DictReader(f)]


def strongest(opinion: SecondOpinion, spec: ModelSpec, audio: FloatArray, names: list[str]) -> str:
    """The second model's three strongest classes on the clip window it scores most as crying."""
    fe = spec.frontend
    hop = int(spec.extra.get("window_hop_frames", spec.input_frames // 2))
    contexts = contexts_for_clip(audio, spec.input_frames, hop, opinion.spec.input_samples,
                                 fe_hop=fe.hop_samples, fe_window=fe.window_samples)  # fmt: skip
    scores = opinion.class_scores(contexts)
    row = scores[int(np.argmax(scores[:, list(opinion.spec.cry_classes)].max(axis=1)))]
    return ", ".join(f"{names[i]} {row[i]:.2f}" for i in np.argsort(-row)[:3])


def clip_lines(
    title: str, ws: WindowScores, clips: list[Clip], *, fused_scores: Float64,
    wrong: Callable[[Float64], npt.NDArray[np.bool_]], explain: Callable[[int], str],
) -> None:  # fmt: skip
    """The clips `wrong` picks out of the clip-pooled fused scores, each with its scores."""
    small, second, fused_clip = pooled(ws, ws.small), pooled(ws, ws.second), pooled(ws, fused_scores)  # fmt: skip
    picked = np.flatnonzero(wrong(fused_clip))
    print(f"== {title}: {picked.size} of {fused_clip.size}")
    for i in picked:
        print(f"  {clips[i].ref.path.name} ({clips[i].ref.folder}): small {small[i]:.3f}, "
              f"second {second[i]:.4f}, fused {fused_clip[i]:.3f} | {explain(int(i))}")  # fmt: skip


def night_lines(
    night: Path, ws: WindowScores, spec: ModelSpec, *, shift: float | None, fused_scores: Float64
) -> None:
    """A night's false alarms and late announcements; `spec` carries the fused threshold."""
    truth = json.loads(night.with_suffix(".truth.json").read_text(encoding="utf-8"))
    m = trial(Scores(ws.times, fused_scores, ws.audio_seconds), spec, truth, DEFAULT_HOP_SECONDS,
              DetectorConfig(threshold_shift=shift))  # fmt: skip
    print(f"== {night.name}: {len(m.alarms)} false alarms, announced onset p90 "
          f"{m.latency_p90:.2f} s")  # fmt: skip
    for start, end, announced in m.alarms:
        i = int(np.searchsorted(ws.times, announced))
        span = slice(max(0, i - WINDOWS_BEFORE), i + 1)
        playing = sorted(
            {s["kind"] for s in truth["scenes"] if s["start"] <= end and s["end"] >= start}
        )
        print(f"  false alarm announced at {announced:.1f} s during {' + '.join(playing) or 'background'}: "
              f"small {np.round(ws.small[span], 2).tolist()}, second "
              f"{np.round(ws.second[span], 3).tolist()}, fused {np.round(fused_scores[span], 3).tolist()}")  # fmt: skip
    for start, latency in m.onsets:
        if latency > ONSET_P90_TARGET_S:
            span = slice(
                int(np.searchsorted(ws.times, start)),
                int(np.searchsorted(ws.times, start + latency)) + 1,
            )
            print(f"  episode heard at {start:.1f} s announced {latency:.1f} s later: small "
                  f"{np.round(ws.small[span], 2).tolist()}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--second", type=Path, default=SHARED / "models/yamnet/yamnet.tflite")
    parser.add_argument("--night", action="append", default=None)
    args = parser.parse_args()
    spec = load_model_dir(args.model)
    cascade = cascade_for(spec)
    if cascade.opinion is None or cascade.spec is None:
        raise SystemExit(f"{spec.directory} carries no usable cascade: {cascade.status.reason}")
    fused_spec = cascade.operating_spec(spec)
    threshold, shift = fused_spec.threshold, spec.threshold_shift
    print(f"{spec.directory.name}: gate {cascade.spec.gate} {cascade.spec.fusion}, fused threshold "
          f"{threshold:.4f}, shift {shift}")  # fmt: skip
    cache = ROOT / "out" / "cache" / "cascade"
    groups = set(spec.extra["training"]["validation_groups"])
    folders = spec.extra["training"]["folders"]
    clips, _ = load_clips((r, folders.get(r.folder, r.folder)) for r in scan_datasets(DATA))
    val_neg = [c for c in clips if c.ref.group_id in groups and c.label != spec.cry_label]
    val_cry = [c for c in clips if c.ref.group_id in groups and c.label == spec.cry_label]
    phoned_audio, roomed_audio = swap_audio([c.audio for c in val_neg], [c.audio for c in val_cry],
                                            ROOT / "out" / "cache")  # fmt: skip
    names = class_names(args.second)
    opinion = cascade.opinion
    checks: list[tuple[str, str, list[Clip], list[FloatArray], Callable[[Float64], Any]]] = [
        ("validation negatives through phone lines at or over the threshold", "phoned", val_neg,
         phoned_audio, lambda f: f >= threshold),
        ("validation cries in rooms at 2-3 m under the threshold", "rooms", val_cry, roomed_audio,
         lambda f: f < threshold),
    ]  # fmt: skip
    for title, name, members, audio, wrong in checks:
        ws = clip_scores(name, audio, spec, args.second, cache)

        def explain(i: int, audio: list[FloatArray] = audio) -> str:
            return strongest(opinion, spec, audio[i], names)

        clip_lines(title, ws, members, fused_scores=fused(ws, cascade)[0], wrong=wrong,
                   explain=explain)  # fmt: skip
    for stem in args.night or ["night-B.flac"]:
        path = ROOT / "out" / stem
        ws = night_scores(path, spec, args.second, DEFAULT_HOP_SECONDS, cache)
        night_lines(path, ws, fused_spec, shift=shift, fused_scores=fused(ws, cascade)[0])


if __name__ == "__main__":
    main()
