"""Channel variety: real ffmpeg phone lines, pyroomacoustics rooms, microphones, channel balance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from babblefish_training import channel
from babblefish_training.augment import AugmentConfig
from babblefish_training.channel import (
    PHONE_SETTINGS,
    auto_gain,
    phone_renditions,
    reverberate,
    room_bank,
    through_phone,
)
from babblefish_training.channel_mix import (
    ChannelAugmenter,
    ChannelConfig,
    balance_for,
    channel_config_for,
)
from babblefish_training.channel_run import ChannelSettings, RunChannels, is_narrow_band
from babblefish_training.errors import TrainingError
from babblefish_training.pool import make_source
from scipy.signal import welch

RATE = 16_000


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.1 * rng.standard_normal(int(seconds * RATE))).astype(np.float32)


def _band_db(audio: np.ndarray, low: float, high: float) -> float:
    freqs, power = welch(audio, RATE, nperseg=1024)
    return float(10 * np.log10(power[(freqs >= low) & (freqs < high)].mean() + 1e-20))


@pytest.mark.parametrize("setting", PHONE_SETTINGS, ids=lambda s: f"{s.codec}-{s.kbps:g}")
def test_a_phone_line_keeps_the_speech_band_only(setting: channel.PhoneSetting) -> None:
    noise = _noise(2.0)
    coded = through_phone(noise, setting)
    assert coded.shape == noise.shape
    speech = _band_db(coded, 800, 2500)
    assert speech - _band_db(coded, 4200, 8000) > 25  # an 8 kHz line: nothing above 4 kHz
    assert speech - _band_db(coded, 60, 150) > 8  # the band-pass cuts the lows


def test_renditions_keep_lengths_and_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clips = [_noise(1.0, 1), _noise(0.5, 2), _noise(1.7, 3)]
    first = phone_renditions(clips, seed=4, cache_dir=tmp_path)
    assert [c.size for c in first] == [c.size for c in clips]
    assert all(_band_db(c, 4200, 8000) < _band_db(c, 800, 2500) - 30 for c in first)
    monkeypatch.setattr(channel.shutil, "which", lambda name: None)  # no ffmpeg: the cache serves
    again = phone_renditions(clips, seed=4, cache_dir=tmp_path)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TrainingError, match="needs ffmpeg"):
        phone_renditions(clips, seed=5, cache_dir=tmp_path)


def test_rooms_are_at_the_asked_distances_and_add_a_tail() -> None:
    rooms = room_bank(4, seed=1, distance_m=(2.0, 3.0))
    assert all(2.0 <= r.distance_m <= 3.0 for r in rooms)
    click = np.zeros(RATE, np.float32)
    click[1000] = 1.0
    heard = reverberate(click, rooms[0])
    assert heard.shape == click.shape
    assert int(np.argmax(np.abs(heard))) == 1000  # aligned on the direct path
    tail = heard[1000 + RATE // 50 : 1000 + RATE // 5]
    assert np.sqrt(np.mean(tail**2)) > 1e-3  # reflections arrive after the direct sound


def test_automatic_gain_lifts_a_quiet_sound() -> None:
    quiet = _noise(1.0) * 0.003  # about -60 dBFS
    lifted = auto_gain(quiet, np.random.default_rng(0), target_dbfs=-20.0)
    assert np.sqrt(np.mean(lifted[RATE // 2 :] ** 2)) > 20 * np.sqrt(np.mean(quiet**2))


def test_channel_augmenter_makes_windows_of_the_right_length() -> None:
    rooms = room_bank(2, seed=0)
    augment = ChannelAugmenter(
        15_920, [_noise(3.0, 9)], rooms, ChannelConfig(room_prob=1.0, colour_prob=1.0, agc_prob=1.0)
    )
    rng = np.random.default_rng(0)
    out = augment(_noise(1.2), rng)
    assert out.shape == (15_920,) and np.isfinite(out).all() and np.abs(out).max() <= 1.0


def test_balance_gives_cries_and_others_the_same_phone_share() -> None:
    cries = balance_for(narrow=298, full=26, phone_share=0.65)  # donateacry + ESC-50 cries
    others = balance_for(narrow=0, full=164, phone_share=0.65)  # full-band household sounds
    assert cries.originals > 1 and others.renditions > 1
    assert abs(cries.phone_share - 0.65) < 0.05 and abs(others.phone_share - 0.65) < 0.05


def test_balance_does_not_let_one_clip_flood_a_label() -> None:
    talking = balance_for(narrow=181, full=1, phone_share=0.65)  # one full-band talking clip
    assert talking.originals <= 8 and talking.phone_share > 0.9


def test_narrow_band_detection() -> None:
    wide = _noise(1.0)
    assert not is_narrow_band(wide)
    assert is_narrow_band(through_phone(wide, PHONE_SETTINGS[0]))


def test_rooms_alone_keep_the_base_noise_and_add_no_microphone() -> None:
    config = channel_config_for(frozenset({"room"}))
    assert config.room_prob > 0 and config.colour_prob == config.agc_prob == 0 and not config.hiss
    base = AugmentConfig()
    augment = ChannelAugmenter(15_920, [_noise(3.0, 9)], room_bank(1, seed=0), config, base)
    # simulated rooms replace the crude reverb; backgrounds keep the base SNR range
    assert augment.config.reverb_prob == 0.0
    assert augment.config.background_snr_db == base.background_snr_db


def test_every_part_is_the_full_recipe() -> None:
    parts = frozenset({"phone", "room", "mic", "noise"})
    assert channel_config_for(parts) == ChannelConfig()
    mic_only = channel_config_for(frozenset({"mic"}))
    assert mic_only.room_prob == 0 and mic_only.hiss and not mic_only.low_snr
    assert (
        ChannelAugmenter(RATE, [], [], mic_only).config.reverb_prob == AugmentConfig().reverb_prob
    )


def test_phone_lines_only_when_asked_for(tmp_path: Path) -> None:
    """Without the phone part the pool keeps its sources; with it, full-band clips gain renditions."""
    from babblefish_training.dataset import Clip, ClipRef

    clips = [Clip(ClipRef(Path(f"{i}.flac"), "talking", "g", "esc50"), "talking", _noise(1.0, i))
             for i in range(2)]  # fmt: skip
    sources = [make_source(c.audio, 0, RATE, 1.0, False) for c in clips]
    for parts, grows in ((frozenset({"room"}), False), (frozenset({"phone"}), True)):
        run = RunChannels(ChannelSettings(parts=parts, cache_dir=tmp_path), labels=["crying", "talking"],
                          cry_label="crying", seed=0)  # fmt: skip
        run.prepare(clips)
        assert (len(run.sources(sources, RATE)) > len(sources)) is grows
        assert run.describe()["channel_parts"] == sorted(parts)
