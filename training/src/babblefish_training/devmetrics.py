"""Figures that predict held-out microphones: full-band cries, and the channel swapped both ways.

The validation split's cries are mostly phone recordings like the training ones, so its recall
says little about a nursery microphone. These figures score, at the shipped threshold, the cries
that are not phone recordings, the validation negatives sent through a phone line (does a phone
sound alone make a cry?), and the validation cries heard 2-3 m away in a small room.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .channel import FloatArray, Room, phone_renditions, reverberate, room_bank
from .metrics import roc_auc
from .scoring import Scorer

PHONE_SOURCES = frozenset({"dac"})  # donateacry: parents' phones, 8 kHz
SWAP_SEED = 12_345  # its own stream: the same rooms and phone lines for every model compared
SWAP_ROOMS = 24
SWAP_DISTANCE_M = (2.0, 3.0)


def wilson(hits: int, total: int, z: float = 1.645) -> tuple[float, float] | None:
    """A 90 % Wilson score interval for a rate (sound at 0 and 100 %, unlike the normal one)."""
    if total == 0:
        return None
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def rate_entry(fired: np.ndarray[Any, np.dtype[np.bool_]]) -> dict[str, Any]:
    """A rate with its count and interval, for model.json and the card."""
    hits, total = int(fired.sum()), int(fired.size)
    return {
        "rate": round(hits / total, 4) if total else None,
        "hits": hits,
        "clips": total,
        "interval_90": wilson(hits, total),
    }


def full_band_cries(
    cry_scores: FloatArray,
    positive: np.ndarray[Any, np.dtype[np.bool_]],
    sources: Sequence[str],
    threshold: float,
) -> dict[str, Any]:
    """Recall of the cries not recorded on a phone, and their AUC against every negative."""
    phone = np.array([s in PHONE_SOURCES for s in sources], dtype=bool)
    full = positive & ~phone
    keep = full | ~positive
    entry = rate_entry(cry_scores[full] >= threshold)
    entry["auc"] = roc_auc(cry_scores[keep], positive[keep])
    phone_cries = positive & phone
    entry["phone_cries"] = rate_entry(cry_scores[phone_cries] >= threshold)
    return entry


def swap_rooms() -> list[Room]:
    """The channel swap's small rooms at 2-3 m: the same for every model compared."""
    return room_bank(SWAP_ROOMS, SWAP_SEED, SWAP_DISTANCE_M)


def swap_clips(
    cries: Sequence[FloatArray],
    negatives: Sequence[FloatArray],
    cache_dir: Path | None = None,
    rooms: Sequence[Room] | None = None,
) -> tuple[list[FloatArray], list[FloatArray]]:
    """The channel swap's clips: the cries in its rooms, the negatives through phone lines."""
    if rooms is None:
        rooms = swap_rooms() if cries else []
    heard = [reverberate(c, rooms[i % len(rooms)]) for i, c in enumerate(cries)]
    return heard, phone_renditions(list(negatives), SWAP_SEED, cache_dir) if negatives else []


def channel_swap(
    cries: Sequence[FloatArray],
    negatives: Sequence[FloatArray],
    scorer: Scorer,
    *,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Negatives through phone lines (their false-positive rate) and cries through small rooms
    at 2-3 m (their recall), at the shipped threshold."""
    out: dict[str, Any] = {}
    rooms = swap_rooms() if cries else []
    heard, phoned = swap_clips(cries, negatives, cache_dir, rooms)
    if negatives:
        out["phone_negatives_fpr"] = rate_entry(scorer.hits(phoned))
    if cries:
        out["reverberant_cries_recall"] = rate_entry(scorer.hits(heard))
        out["rooms"] = {"count": len(rooms), "distance_m": list(SWAP_DISTANCE_M),
                        "rt60_s": [round(min(r.rt60_s for r in rooms), 2),
                                   round(max(r.rt60_s for r in rooms), 2)]}  # fmt: skip
    return out


def format_rate(entry: dict[str, Any] | None) -> str:
    """`91.2 % (31/34; 90 % interval 80.1-96.0 %)`."""
    if not entry or entry.get("rate") is None:
        return "n/a"
    low, high = entry["interval_90"]
    return (
        f"{100 * entry['rate']:.1f} % ({entry['hits']}/{entry['clips']}; 90 % interval "
        f"{100 * low:.1f}-{100 * high:.1f} %)"
    )


def validation_channels(
    audios: Sequence[FloatArray],
    positive: np.ndarray[Any, np.dtype[np.bool_]],
    sources: Sequence[str],
    cry_scores: FloatArray,
    scorer: Scorer,
    *,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Full-band cries and the channel swap on the validation clips, for the train report."""
    return {
        "full_band_cries": full_band_cries(cry_scores, positive, sources, scorer.threshold),
        "channel_swap": channel_swap(
            [a for a, p in zip(audios, positive, strict=True) if p],
            [a for a, p in zip(audios, positive, strict=True) if not p],
            scorer,
            cache_dir=cache_dir,
        ),
    }


def channel_lines(figures: dict[str, Any]) -> list[str]:
    """Markdown table rows (measure | value) for the model card and the train log."""
    fb = figures["full_band_cries"]
    swap = figures["channel_swap"]
    return [
        f"| full-band (not `dac`) validation cries: recall | {format_rate(fb)} |",
        f"| phone (`dac`) validation cries: recall | {format_rate(fb['phone_cries'])} |",
        f"| validation negatives through phone lines: false-positive rate | "
        f"{format_rate(swap.get('phone_negatives_fpr'))} |",
        f"| validation cries in small rooms at 2-3 m: recall | "
        f"{format_rate(swap.get('reverberant_cries_recall'))} |",
    ]


def card_section(metrics: dict[str, Any]) -> list[str]:
    """The model card's lines for these figures (and the nights, once dev_bench recorded them)."""
    lines: list[str] = []
    if "channels" in metrics:
        lines += [
            "",
            "Channel checks at the same threshold (90 % Wilson intervals): full-band cries apart "
            "from phone cries, validation negatives through phone lines (GSM, Opus, Speex; "
            "band-passed), validation cries through simulated small rooms at 2-3 m:",
            "",
            "| measure | value |",
            "|---|---|",
            *channel_lines(metrics["channels"]),
        ]
    bench = metrics.get("dev_bench")
    if bench:
        fb = bench["clips"]["full_band_all_dev"]
        fbv = bench["clips"].get("full_band_validation")
        lines += [
            "",
            "`bench/dev_bench.py`, clips at the threshold the monitor's detector acts on "
            f"({bench['clips']['threshold']:.4g}): every dev cry that is not a phone recording "
            "(most of them training clips) apart from the phone cries; nights at the model's own "
            "detector settings, onset as announced:",
            "",
            "| measure | value |",
            "|---|---|",
            f"| full-band dev cries ({fb['clips']}, most seen in training): recall | {format_rate(fb)} |",
        ]
        if fbv:
            lines.append(
                f"| full-band validation cries (never seen in training): recall | {format_rate(fbv)} |"
            )
        if "channels" not in metrics:  # a model trained before these figures existed
            clips = bench["clips"]
            swap = clips["channel_swap"]
            lines += [
                f"| phone (`dac`) validation cries: recall | "
                f"{format_rate(clips['full_band_validation']['phone_cries'])} |",
                f"| validation negatives through phone lines: false-positive rate | "
                f"{format_rate(swap.get('phone_negatives_fpr'))} |",
                f"| validation cries in small rooms at 2-3 m: recall | "
                f"{format_rate(swap.get('reverberant_cries_recall'))} |",
            ]
        for night in bench.get("nights", []):
            lines.append(
                f"| {night['night']}: episodes, false alarms/h, announced onset median / p90 | "
                f"{night['found']}/{night['episodes']}, {night['false_alarms_per_hour']:.2f}, "
                f"{night['announced_onset_median_s']:.2f} s / {night['announced_onset_p90_s']:.2f} s |"
            )
    return lines
