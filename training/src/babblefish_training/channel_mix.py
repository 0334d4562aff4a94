"""Channel-varied training: room, microphone and automatic gain per window, phone lines per clip.

`ChannelAugmenter` adds, to the base augmenter's filters, noise and levels, a simulated small room
(0.5-4 m), a microphone's colouration and hiss and its automatic gain, with the same probability
for every label. `balance_channels` adds phone-line renditions of full-band clips and repeats
full-band cries, so the share of phone-sounding windows is about the same for cries and the rest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .augment import AugmentConfig, Augmenter
from .channel import FloatArray, Room, auto_gain, colour, reverberate, self_noise
from .pool import WindowSource, make_source


@dataclass(frozen=True)
class ChannelConfig:
    """Probabilities of each channel step, and the phone/full-band balance of the pool."""

    room_prob: float = 0.5
    colour_prob: float = 0.5
    agc_prob: float = 0.3
    hiss: bool = True
    # Cries are nearly all phone recordings: this share of cry windows comes from full-band cries
    # instead, and every other label gets about the same share of phone-line windows (1 - it).
    full_band_cry_share: float = 0.35
    rooms: int = 48
    # Backgrounds down to -5 dB SNR, as a white-noise machine or a television can drown a cry.
    low_snr: bool = True


def channel_config_for(parts: frozenset[str]) -> ChannelConfig:
    """The full recipe with the parts not named switched off (phone lines are the pool's)."""
    full = ChannelConfig()
    mic = "mic" in parts
    return replace(
        full,
        room_prob=full.room_prob if "room" in parts else 0.0,
        colour_prob=full.colour_prob if mic else 0.0,
        agc_prob=full.agc_prob if mic else 0.0,
        hiss=mic,
        low_snr="noise" in parts,
    )


def channel_augment_config(
    base: AugmentConfig | None = None, channel: ChannelConfig | None = None
) -> AugmentConfig:
    """The base recipe with its crude reverb off where simulated rooms replace it, and
    backgrounds mixed down to -5 dB SNR when the channel asks for it."""
    base = base or AugmentConfig()
    channel = channel or ChannelConfig()
    return replace(
        base,
        reverb_prob=0.0 if channel.room_prob > 0 else base.reverb_prob,
        background_snr_db=(-5.0, 20.0) if channel.low_snr else base.background_snr_db,
    )


class ChannelAugmenter(Augmenter):
    """The base augmenter with rooms, microphones and automatic gain in its channel."""

    def __init__(
        self,
        length: int,
        backgrounds: Sequence[FloatArray],
        rooms: Sequence[Room],
        channel: ChannelConfig | None = None,
        config: AugmentConfig | None = None,
    ) -> None:
        self.channel_config = channel or ChannelConfig()
        super().__init__(length, backgrounds, channel_augment_config(config, self.channel_config))
        self.rooms = list(rooms)

    def channel(self, segment: FloatArray, rng: np.random.Generator) -> FloatArray:
        cfg = self.channel_config
        out = segment.astype(np.float32)
        if self.rooms and rng.uniform() < cfg.room_prob:
            out = reverberate(out, self.rooms[int(rng.integers(len(self.rooms)))])
        out = super().channel(out, rng)
        if rng.uniform() < cfg.colour_prob:
            out = colour(out, rng)
        if rng.uniform() < cfg.agc_prob:
            out = auto_gain(out, rng)
        return out

    def __call__(
        self, segment: FloatArray, rng: np.random.Generator, keep_level: bool = False
    ) -> FloatArray:
        out = super().__call__(segment, rng, keep_level)
        if self.channel_config.hiss:
            out = out + self_noise(out.size, rng)
        return np.clip(out, -1.0, 1.0).astype(np.float32)


MAX_REPEATS = 8


@dataclass(frozen=True)
class Balance:
    """How many times each full-band original and its phone rendition appear for one label."""

    originals: int
    renditions: int
    phone_share: float


def balance_for(narrow: int, full: int, phone_share: float) -> Balance:
    """Repeat counts giving a label's windows about `phone_share` phone-sounding ones.

    `narrow` clips are phone (or 8 kHz) recordings already; each of the `full` full-band clips
    has one phone rendition. Repeats stop at MAX_REPEATS: one full-band clip among a hundred
    phone ones (a talking folder) would otherwise fill a third of that label's windows alone.
    """
    if full == 0:
        return Balance(1, 0, 1.0 if narrow else 0.0)
    if narrow / (narrow + full) > phone_share:  # too phone-like: repeat the full-band originals
        originals = max(1, round((narrow + full) * (1 - phone_share) / (phone_share * full)))
        originals = min(originals, MAX_REPEATS)
        renditions = 1
    else:  # too full-band: repeat the phone renditions
        originals = 1
        renditions = max(
            1,
            math.ceil((phone_share * (narrow + full) - narrow) / ((1 - phone_share) * full) - 0.25),
        )
        renditions = min(renditions, MAX_REPEATS)
    share = (narrow + renditions * full) / (narrow + (originals + renditions) * full)
    return Balance(originals, renditions, share)


def balance_channels(
    sources: Sequence[WindowSource],
    narrow: Sequence[bool],
    phone: Sequence[FloatArray | None],
    *,
    length: int,
    config: ChannelConfig,
) -> tuple[list[WindowSource], dict[int, Balance]]:
    """Sources with phone renditions added and repeats that balance the channel per label.

    `phone[i]` is source i's phone rendition (None for a narrow-band clip, which needs none);
    `length` is the window length in samples.
    """
    target = 1.0 - config.full_band_cry_share
    plans: dict[int, Balance] = {}
    for label in sorted({s.label_index for s in sources}):
        members = [i for i, s in enumerate(sources) if s.label_index == label]
        n_narrow = sum(1 for i in members if narrow[i] or phone[i] is None)
        n_full = len(members) - n_narrow
        plans[label] = balance_for(n_narrow, n_full, target)
    out: list[WindowSource] = []
    for i, source in enumerate(sources):
        plan = plans[source.label_index]
        rendition = phone[i]
        if narrow[i] or rendition is None:
            out.append(source)
            continue
        out.extend([source] * plan.originals)
        coded = make_source(rendition, source.label_index, length, source.weight, source.keep_level)
        out.extend([coded] * plan.renditions)
    return out, plans
