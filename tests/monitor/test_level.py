"""Sound level per second: dBFS as sox reports it, calibration, streaming in any block size."""

from __future__ import annotations

import numpy as np
import pytest
from babblefish_monitor.audio.level import FLOOR_DBFS, LevelMeter


def sine(amplitude: float, seconds: float, hz: float = 1000.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def test_full_scale_and_half_scale_sines() -> None:
    meter = LevelMeter()
    (full,) = meter.process(sine(1.0, 1.0))
    assert full.rms_dbfs == pytest.approx(-3.01, abs=0.02)
    assert full.peak_dbfs == pytest.approx(0.0, abs=0.01)
    (half,) = meter.process(sine(0.5, 1.0))
    assert half.rms_dbfs == pytest.approx(-9.03, abs=0.02)
    assert half.peak_dbfs == pytest.approx(-6.02, abs=0.02)
    assert (full.stream_time, half.stream_time) == (1.0, 2.0)


def test_silence_reads_as_the_floor_and_calibration_is_added() -> None:
    (reading,) = LevelMeter().process(np.zeros(16000, np.int16))
    assert reading.rms_dbfs == FLOOR_DBFS and reading.peak_dbfs == FLOOR_DBFS
    (calibrated,) = LevelMeter(calibration_db=94.0).process(sine(1.0, 1.0))
    assert calibrated.rms_dbfs == pytest.approx(90.99, abs=0.02)


@pytest.mark.parametrize("block", [1, 160, 1600, 7919, 48000])
def test_any_block_size_gives_the_same_readings(block: int) -> None:
    rng = np.random.default_rng(0)
    audio = (rng.standard_normal(16000 * 5 + 500) * 3000).astype(np.int16)
    expected = LevelMeter().process(audio)
    meter = LevelMeter()
    got = [r for i in range(0, audio.size, block) for r in meter.process(audio[i : i + block])]
    assert len(got) == len(expected) == 5
    for a, b in zip(got, expected, strict=True):
        assert a.stream_time == b.stream_time
        assert a.rms_dbfs == pytest.approx(b.rms_dbfs, abs=0.011)
        assert a.peak_dbfs == b.peak_dbfs


def test_reset_drops_the_partial_second() -> None:
    meter = LevelMeter()
    assert meter.process(sine(1.0, 0.5)) == []
    meter.reset()
    (reading,) = meter.process(sine(0.1, 1.0))
    assert reading.peak_dbfs == pytest.approx(-20.0, abs=0.05)  # the loud half second is gone
    assert reading.stream_time == 1.5
