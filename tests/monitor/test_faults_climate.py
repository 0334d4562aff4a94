"""A climate driver whose read blocks (a hung GPIO call): unavailable in time, back by itself."""

from __future__ import annotations

import threading

from babblefish_monitor.climate import ClimateReader
from test_climate import Clock


class BlockingDriver:
    """Reads 21 °C / 50 % until `hang` is set; then every read blocks until `release` is set."""

    def __init__(self) -> None:
        self.hang = threading.Event()
        self.release = threading.Event()
        self.returned = threading.Event()
        self.calls = 0

    def read(self) -> tuple[float, float]:
        self.calls += 1
        if self.hang.is_set():
            self.release.wait()
            self.returned.set()
        return 21.0, 50.0

    def close(self) -> None:
        self.release.set()


def test_a_hung_read_counts_as_failure_goes_unavailable_and_recovers() -> None:
    clock = Clock()
    driver = BlockingDriver()
    reader = ClimateReader(driver, clock=clock, unavailable_after=10.0, read_timeout=0.05)
    reader.poll()
    assert reader.reading.status == "ok" and reader.reading.temperature_c == 21.0

    driver.hang.set()
    for _ in range(6):  # 12 s of hung reads, one every 2 s
        clock.now += 2.0
        reader.poll()
    assert reader.reading.status == "unavailable"
    assert reader.failures == 6
    assert driver.calls == 2  # the driver is never called again while a call hangs

    driver.hang.clear()
    driver.release.set()
    assert driver.returned.wait(5.0)
    clock.now += 2.0
    reader.poll()
    assert reader.reading.status == "ok" and reader.reading.humidity_pct == 50.0
    reader.close()
