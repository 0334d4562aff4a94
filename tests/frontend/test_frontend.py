"""The shared log-mel frontend: golden values, streaming equals batch, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from babblefish_monitor.audio.frontend import (
    FRONTEND,
    FrontendConfig,
    FrontendError,
    StreamingFrontend,
    log_mel,
    mel_filterbank,
)


def _tone(freq_hz: float, seconds: float = 1.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(FRONTEND.sample_rate * seconds)) / FRONTEND.sample_rate
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def test_frame_count_and_shape() -> None:
    frames = log_mel(np.zeros(16_000, dtype=np.int16))
    assert frames.shape == (98, 40)
    assert frames.dtype == np.float32
    assert log_mel(np.zeros(399, dtype=np.int16)).shape == (0, 40)


def test_silence_is_log_offset() -> None:
    frames = log_mel(np.zeros(16_000, dtype=np.float32))
    np.testing.assert_allclose(frames, np.log(FRONTEND.log_offset), rtol=1e-6)


def test_tone_lands_in_the_right_mel_bin() -> None:
    frames = log_mel(_tone(1000.0))
    weights = mel_filterbank()
    bin_of_1k = int(np.argmax(weights[round(1000 / (16_000 / 512))]))
    assert np.all(np.argmax(frames, axis=1) == bin_of_1k)


def test_energy_above_fmax_is_ignored() -> None:
    """Features are capped at 4 kHz: a 6 kHz tone looks like silence."""
    frames = log_mel(_tone(6000.0))
    assert frames.max() < np.log(FRONTEND.log_offset) + 1.0


def test_golden_values() -> None:
    """Pinned values: any change to the frontend changes what every model was trained on."""
    frames = log_mel(_tone(440.0, amplitude=0.25) + _tone(2500.0, amplitude=0.1))
    np.testing.assert_allclose(
        frames[10, [0, 5, 10, 20, 30, 39]],
        GOLDEN_440_2500,
        rtol=1e-4,
        atol=1e-4,
    )


GOLDEN_440_2500 = [-8.4573, -4.3481, 1.6649, -12.8971, -1.5604, -13.7874]


def test_int16_and_float_agree() -> None:
    audio = _tone(700.0)
    as_int = np.round(audio * 32767).astype(np.int16)
    np.testing.assert_allclose(
        log_mel(as_int), log_mel(as_int.astype(np.float32) / 32768), rtol=1e-5
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_streaming_equals_batch_for_any_block_sizes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    audio = (rng.standard_normal(16_000 * 3) * 4000).astype(np.int16)
    stream = StreamingFrontend()
    parts, start = [], 0
    while start < audio.size:
        size = int(rng.integers(1, 3000))
        parts.append(stream.process(audio[start : start + size]))
        start += size
    np.testing.assert_allclose(np.concatenate(parts), log_mel(audio), rtol=1e-5, atol=1e-5)


def test_rejects_stereo_and_wrong_dtype() -> None:
    with pytest.raises(FrontendError, match="mono"):
        log_mel(np.zeros((100, 2), dtype=np.int16))
    with pytest.raises(FrontendError, match="dtype"):
        log_mel(np.zeros(1000, dtype=np.int32))


def test_config_round_trip_and_differences() -> None:
    assert FrontendConfig.from_dict(FRONTEND.to_dict()) == FRONTEND
    other = FrontendConfig(fmax_hz=8000.0)
    assert FRONTEND.differences(other) == ["fmax_hz: 8000.0 (expected 4000.0)"]
    with pytest.raises(FrontendError, match="unknown"):
        FrontendConfig.from_dict({**FRONTEND.to_dict(), "bogus": 1})
