"""Climate reader: rate limit, median, plausibility, outage and recovery, on an injected clock."""

from __future__ import annotations

import pytest
from babblefish_monitor.climate import (
    ClimateError,
    ClimateReader,
    FakeDriver,
    open_driver,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedDriver:
    """Returns readings from a function of the attempt number; None means the read fails."""

    def __init__(self, script: object) -> None:
        self.script = script
        self.attempts = 0
        self.closed = False

    def read(self) -> tuple[float, float]:
        self.attempts += 1
        value = self.script(self.attempts)  # type: ignore[operator]
        if value is None:
            raise RuntimeError("DHT22 checksum did not validate")
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        self.closed = True


def run(reader: ClimateReader, clock: Clock, seconds: float, step: float = 1.0) -> list[str]:
    statuses = []
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        reader.poll()
        statuses.append(reader.reading.status)
    return statuses


def test_reads_no_more_often_than_every_two_seconds() -> None:
    clock = Clock()
    driver = ScriptedDriver(lambda n: (21.0, 50.0))
    reader = ClimateReader(driver, clock=clock)
    run(reader, clock, 60.0, step=0.25)
    assert 29 <= driver.attempts <= 31


def test_every_other_read_failing_stays_ok_with_median() -> None:
    clock = Clock()
    values = [20.9, 21.0, 21.4, 21.1, 21.2]
    driver = ScriptedDriver(lambda n: None if n % 2 else (values[(n // 2) % 5], 48.0))
    reader = ClimateReader(driver, clock=clock)
    statuses = run(reader, clock, 300.0)
    assert statuses[5:] == ["ok"] * len(statuses[5:])
    assert reader.reading.temperature_c == 21.1 and reader.reading.humidity_pct == 48.0
    assert reader.failures >= 70


def test_ten_minutes_of_failure_goes_unavailable_then_recovers() -> None:
    clock = Clock()
    failing = {"on": False}
    driver = ScriptedDriver(lambda n: None if failing["on"] else (22.0, 55.0))
    reader = ClimateReader(driver, clock=clock)
    run(reader, clock, 20.0)
    assert reader.reading.status == "ok"
    failing["on"] = True
    statuses = run(reader, clock, 600.0)
    assert statuses[:100] == ["ok"] * 100  # a blip is not an outage
    assert statuses.index("unavailable") <= 125
    assert statuses[-1] == "unavailable"
    assert reader.reading.temperature_c is None and reader.reading.humidity_pct is None
    failing["on"] = False
    run(reader, clock, 4.0)
    assert reader.reading.status == "ok" and reader.reading.temperature_c == 22.0


def test_impossible_values_and_jumps_are_rejected() -> None:
    clock = Clock()
    script = {"value": (21.0, 50.0)}
    driver = ScriptedDriver(lambda n: script["value"])
    reader = ClimateReader(driver, clock=clock)
    run(reader, clock, 20.0)
    for bad in [(150.0, 50.0), (21.0, 120.0), (-60.0, 40.0)]:
        script["value"] = bad
        run(reader, clock, 2.0)
        assert reader.reading.temperature_c == 21.0 and reader.reading.humidity_pct == 50.0
    script["value"] = (35.0, 50.0)  # one odd jump: ignored
    run(reader, clock, 2.0)
    script["value"] = (21.0, 50.0)
    run(reader, clock, 2.0)
    assert reader.reading.temperature_c == 21.0
    script["value"] = (27.0, 70.0)  # the heating really came on: accepted after a few reads
    run(reader, clock, 10.0)
    assert reader.reading.temperature_c == 27.0 and reader.reading.humidity_pct == 70.0


def test_driver_specs() -> None:
    assert open_driver("none") is None
    fake = open_driver("fake:0.5")
    assert isinstance(fake, FakeDriver)
    with pytest.raises(ClimateError, match="choose dht22"):
        open_driver("bme280")
    with pytest.raises(ClimateError, match="GPIO pin"):
        open_driver("dht22")
    with pytest.raises(ClimateError, match="failure rate"):
        open_driver("fake:often")


def test_dht22_without_library_is_a_clear_error() -> None:
    with pytest.raises(ClimateError, match="adafruit-circuitpython-dht"):
        open_driver("dht22:4")


def test_fake_driver_is_realistic_and_fails_at_its_rate() -> None:
    driver = FakeDriver(seed=3, failure_rate=0.3)
    good, failed = [], 0
    for _ in range(1000):
        try:
            good.append(driver.read())
        except RuntimeError:
            failed += 1
    assert 200 < failed < 400
    assert all(18.0 <= t <= 24.0 and 35.0 <= h <= 65.0 for t, h in good)
