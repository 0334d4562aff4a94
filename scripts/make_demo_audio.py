"""Builds the bundled demo recording (demo/nursery_demo.flac) from redistributable clips in ../shared/data."""

from __future__ import annotations

import argparse
import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

RATE = 16_000
REPO = Path(__file__).resolve().parent.parent
# Only clips whose licence allows redistribution with attribution: donateacry (ODbL/DbCL),
# free-spoken-digit-dataset (CC BY-SA 4.0), Speech Commands backgrounds (CC BY 4.0), ESC-10 (CC BY 3.0).
REDISTRIBUTABLE = ("ODbL", "CC BY-SA 4.0", "CC BY 4.0", "CC BY 3.0 (ESC-10")


@dataclass(frozen=True)
class Segment:
    """One stretch of the demo: a label, clips of that label, and a level."""

    label: str
    kind: str  # "quiet" or a manifest label
    seconds: float
    level_dbfs: float = -60.0
    match: str = ""  # substring of the original label/path to pick clips by


TIMELINE = (
    Segment("quiet room", "quiet", 8),
    Segment("parents talking", "talking", 10, -26),
    Segment("quiet room", "quiet", 8),
    Segment("baby crying", "crying", 20, -20),
    Segment("quiet room", "quiet", 12),
    Segment("washing the dishes", "household", 10, -30, "doing_the_dishes"),
    Segment("dog barking", "animal", 5, -28, "dog"),
    Segment("quiet room", "quiet", 10),
    Segment("baby crying, further away", "crying", 14, -28),
    Segment("quiet room", "quiet", 10),
    Segment("white-noise machine", "white_noise", 15, -38),
    Segment("quiet room", "quiet", 10),
)


def _rms_dbfs(x: npt.NDArray[np.floating[Any]]) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-12))


def _pink_noise(rng: np.random.Generator, n: int, level_dbfs: float) -> npt.NDArray[np.float64]:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
    noise = np.fft.irfft(spectrum, n)
    return noise * 10 ** ((level_dbfs - _rms_dbfs(noise)) / 20)


def _pick(
    rows: list[dict[str, str]], seg: Segment, rng: np.random.Generator
) -> list[dict[str, str]]:
    pool = [
        r
        for r in rows
        if r["label"] == seg.kind
        and r["license"].startswith(REDISTRIBUTABLE)
        and seg.match in (r["original_label"] + r["original_path"])
        and float(r["rms_dbfs"]) > -52
    ]
    order = rng.permutation(len(pool))
    picked, total = [], 0.0
    for i in order:
        picked.append(pool[i])
        total += float(pool[i]["duration_s"])
        if total >= seg.seconds:
            break
    return picked


def build(data: Path, out: Path, seed: int) -> None:
    """Write the FLAC, its ground truth and its attribution file."""
    rng = np.random.default_rng(seed)
    rows = [
        {**r, "split_dir": split}
        for split in ("dev", "dev_extra")
        for r in csv.DictReader((data / split / "manifest.csv").open(encoding="utf-8"))
    ]
    pieces: list[npt.NDArray[np.float64]] = []
    truth: list[dict[str, object]] = []
    credits: list[dict[str, str]] = []
    t = 0.0
    for seg in TIMELINE:
        n = int(seg.seconds * RATE)
        audio = np.zeros(n)
        if seg.kind != "quiet":
            picked = _pick(rows, seg, rng)
            clips = [sf.read(data / r["split_dir"] / r["path"], dtype="float64")[0] for r in picked]
            joined = np.concatenate(clips)[:n]
            audio[: joined.size] = joined * 10 ** ((seg.level_dbfs - _rms_dbfs(joined)) / 20)
            credits += [{**r, "used_at": f"{t:.0f} s ({seg.label})"} for r in picked]
        truth.append({"start": t, "end": t + seg.seconds, "label": seg.label, "kind": seg.kind})
        pieces.append(audio)
        t += seg.seconds
    mix = np.concatenate(pieces)
    mix += _pink_noise(rng, mix.size, -62.0)
    out.mkdir(parents=True, exist_ok=True)
    sf.write(
        out / "nursery_demo.flac", np.clip(mix, -1, 1).astype(np.float32), RATE, subtype="PCM_16"
    )
    (out / "nursery_demo.json").write_text(
        json.dumps({"seed": seed, "segments": truth}, indent=2) + "\n"
    )
    _write_attribution(out / "ATTRIBUTION.md", credits)


DATASETS = {
    "dac": "donateacry-corpus (cleaned subset), ODbL 1.0 / DbCL 1.0",
    "fsdd": "free-spoken-digit-dataset, CC BY-SA 4.0",
    "scbg": "Speech Commands background noise, CC BY 4.0",
    "esc50": "ESC-10 subset of ESC-50 (Karol J. Piczak), CC BY 3.0",
}


def _write_attribution(path: Path, credits: list[dict[str, str]]) -> None:
    lines = [
        "# Demo recording: attribution",
        "",
        "`nursery_demo.flac` is a mix of the clips below over synthetic pink noise, made by",
        "`scripts/make_demo_audio.py` from the project's labelled data. Each clip keeps its licence;",
        "the mix is distributed under CC BY-SA 4.0 (the most restrictive licence of its parts, all of",
        "which allow redistribution with attribution).",
        "",
        "| at | dataset | original file | clip licence | author |",
        "|---|---|---|---|---|",
    ]
    for r in credits:
        lines.append(
            f"| {r['used_at']} | {DATASETS[r['source']]} | {r['source_repo']}: `{r['original_path']}` "
            f"| {r['license']} | {r['uploader'] or 'n/a'} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "demo")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    build(args.data, args.out, args.seed)


if __name__ == "__main__":
    main()
