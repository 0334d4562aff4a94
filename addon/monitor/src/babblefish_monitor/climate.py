"""Room climate: DHT22 (imported lazily), fake and no sensor, read robustly into a median."""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

_LOGGER = logging.getLogger(__name__)

ClimateStatus = Literal["ok", "unavailable", "disabled"]

MIN_INTERVAL_S = 2.0  # the DHT22 gives stale or failed reads when polled faster
UNAVAILABLE_AFTER_S = 120.0
READ_TIMEOUT_S = 3.0  # a DHT22 read takes tens of ms; one that hangs this long has failed
MEDIAN_OF = 5
# What a DHT22 can physically report, and how far the room can move between two reads.
TEMPERATURE_RANGE = (-40.0, 80.0)
HUMIDITY_RANGE = (0.0, 100.0)
MAX_TEMPERATURE_STEP = 3.0
MAX_HUMIDITY_STEP = 15.0
OUTLIERS_TO_ACCEPT = 3  # this many consistent "jumps" in a row are a real change, not noise


class ClimateError(Exception):
    """A climate sensor choice that cannot work here (bad spec, library missing)."""


class ClimateDriver(Protocol):
    """Reads one (temperature °C, humidity %) pair; raises on a failed read."""

    def read(self) -> tuple[float, float]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ClimateReading:
    """What the monitor reports: status plus the median of recent good reads."""

    status: ClimateStatus
    temperature_c: float | None = None
    humidity_pct: float | None = None


DISABLED = ClimateReading("disabled")
UNAVAILABLE = ClimateReading("unavailable")


class FakeDriver:
    """A slowly drifting nursery (about 21 °C, 48 %), seeded, with an optional failure rate."""

    def __init__(self, seed: int = 0, failure_rate: float = 0.0) -> None:
        self._random = random.Random(seed)
        self._failure_rate = failure_rate
        self._temperature = 21.0
        self._humidity = 48.0

    def read(self) -> tuple[float, float]:
        if self._random.random() < self._failure_rate:
            raise RuntimeError("fake DHT22: checksum did not validate")
        self._temperature = min(24.0, max(18.0, self._temperature + self._random.gauss(0, 0.05)))
        self._humidity = min(65.0, max(35.0, self._humidity + self._random.gauss(0, 0.2)))
        return round(self._temperature, 1), round(self._humidity, 1)

    def close(self) -> None:
        return None


class DHT22Driver:
    """A DHT22 on a GPIO pin through adafruit-circuitpython-dht, imported only when chosen."""

    def __init__(self, pin: str) -> None:
        try:
            # Blinka must not load unless a DHT22 is chosen: it fails on boards it does not know.
            import adafruit_dht
            import board
        except Exception as err:  # Blinka raises odd errors on boards it does not know
            raise ClimateError(
                f"--climate dht22:{pin} needs adafruit-circuitpython-dht on a board that Blinka "
                f"supports (pip install 'babblefish-monitor[dht22]'): {err}"
            ) from err
        name = pin if pin.upper().startswith("D") else f"D{pin}"
        board_pin = getattr(board, name.upper(), None)
        if board_pin is None:
            raise ClimateError(f"--climate dht22:{pin}: this board has no pin {name.upper()}")
        self._device: Any = adafruit_dht.DHT22(board_pin, use_pulseio=False)

    def read(self) -> tuple[float, float]:
        temperature, humidity = self._device.temperature, self._device.humidity
        if temperature is None or humidity is None:
            raise RuntimeError("DHT22 returned no value")
        return float(temperature), float(humidity)

    def close(self) -> None:
        self._device.exit()


def open_driver(spec: str) -> ClimateDriver | None:
    """`none` -> None, `fake[:failure_rate]` -> FakeDriver, `dht22:<pin>` -> DHT22Driver."""
    kind, _, arg = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "none":
        return None
    if kind == "fake":
        try:
            rate = float(arg) if arg else 0.0
        except ValueError:
            raise ClimateError(f"--climate {spec}: failure rate must be a number") from None
        return FakeDriver(failure_rate=rate)
    if kind == "dht22":
        if not arg:
            raise ClimateError("--climate dht22 needs a GPIO pin, e.g. dht22:4")
        return DHT22Driver(arg)
    raise ClimateError(f"--climate {spec!r}: choose dht22:<pin>, fake or none")


def _plausible(temperature: float, humidity: float) -> bool:
    return (
        TEMPERATURE_RANGE[0] <= temperature <= TEMPERATURE_RANGE[1]
        and HUMIDITY_RANGE[0] <= humidity <= HUMIDITY_RANGE[1]
    )


class ClimateReader:
    """Rate-limits reads, drops bad ones, reports a median, goes unavailable on long failure."""

    def __init__(
        self,
        driver: ClimateDriver,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_INTERVAL_S,
        unavailable_after: float = UNAVAILABLE_AFTER_S,
        read_timeout: float = READ_TIMEOUT_S,
    ) -> None:
        self._driver = driver
        self.read_timeout = read_timeout
        # A call that has not come back yet: its thread and where its result will land.
        self._hung: tuple[threading.Thread, list[tuple[float, float] | Exception]] | None = None
        self._clock = clock
        self.min_interval = min_interval
        self._unavailable_after = unavailable_after
        self._good: deque[tuple[float, float]] = deque(maxlen=MEDIAN_OF)
        self._outliers: list[tuple[float, float]] = []
        self._last_attempt: float | None = None
        self._last_good: float | None = None
        self.failures = 0
        self.reading = UNAVAILABLE

    def due(self) -> bool:
        """Whether enough time has passed since the last read attempt."""
        now = self._clock()
        return self._last_attempt is None or now - self._last_attempt >= self.min_interval

    def poll(self) -> bool:
        """Read once if due; returns whether the reported reading changed."""
        if not self.due():
            return False
        self._last_attempt = self._clock()
        try:
            temperature, humidity = self._read_with_deadline()
        except Exception as err:  # drivers raise anything from RuntimeError to OSError
            self.failures += 1
            _LOGGER.debug("climate read failed: %s", err)
        else:
            self._accept(float(temperature), float(humidity))
        return self._update()

    def _read_with_deadline(self) -> tuple[float, float]:
        """The driver's read in a daemon thread: a hung GPIO call is a failed read, and it is
        never called again until that call returns."""
        if self._hung is not None:
            thread, pending = self._hung
            thread.join(self.read_timeout)
            if not pending:
                raise TimeoutError("the previous read has still not returned")
            self._hung = None
            _LOGGER.info("climate sensor: the hung read returned")
        outcome: list[tuple[float, float] | Exception] = []

        def read() -> None:
            try:
                outcome.append(self._driver.read())
            except Exception as err:  # handed to the caller below
                outcome.append(err)

        thread = threading.Thread(target=read, name="climate-read", daemon=True)
        thread.start()
        thread.join(self.read_timeout)
        if not outcome:
            self._hung = thread, outcome
            _LOGGER.warning("climate sensor read did not return within %g s", self.read_timeout)
            raise TimeoutError(f"read did not return within {self.read_timeout:g} s")
        result = outcome[0]
        if isinstance(result, Exception):
            raise result
        return result

    def _accept(self, temperature: float, humidity: float) -> None:
        if not _plausible(temperature, humidity):
            self.failures += 1
            return
        if self.reading.status != "ok" or not self._good:
            self._good.clear()  # after an outage the room may have changed; start afresh
        elif self._is_jump(temperature, humidity):
            self._outliers.append((temperature, humidity))
            if len(self._outliers) < OUTLIERS_TO_ACCEPT:
                return
            self._good.clear()
            self._good.extend(self._outliers)
            self._outliers.clear()
            self._last_good = self._clock()
            return
        self._outliers.clear()
        self._good.append((temperature, humidity))
        self._last_good = self._clock()

    def _is_jump(self, temperature: float, humidity: float) -> bool:
        assert self.reading.temperature_c is not None and self.reading.humidity_pct is not None
        return (
            abs(temperature - self.reading.temperature_c) > MAX_TEMPERATURE_STEP
            or abs(humidity - self.reading.humidity_pct) > MAX_HUMIDITY_STEP
        )

    def _update(self) -> bool:
        now = self._clock()
        if self._last_good is None or now - self._last_good >= self._unavailable_after:
            new = UNAVAILABLE
            if self.reading.status == "ok":
                silent = now - (self._last_good or now)
                _LOGGER.warning("climate sensor unavailable: no good read for %.0f s", silent)
                self._good.clear()
        else:
            new = ClimateReading(
                "ok",
                round(statistics.median(t for t, _ in self._good), 1),
                round(statistics.median(h for _, h in self._good), 1),
            )
            if self.reading.status != "ok" and self.failures:
                _LOGGER.info("climate sensor reading again")
        changed = new != self.reading
        self.reading = new
        return changed

    def close(self) -> None:
        self._driver.close()


async def run_climate(reader: ClimateReader, on_change: Callable[[ClimateReading], None]) -> None:
    """Poll forever in a worker thread (a DHT22 read blocks for tens of ms)."""
    loop = asyncio.get_running_loop()
    while True:
        if await loop.run_in_executor(None, reader.poll):
            on_change(reader.reading)
        await asyncio.sleep(reader.min_interval)
