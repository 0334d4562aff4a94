"""The monitor's settings (one per command-line flag) and the time zone they name."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_PORT = 8733
MIN_TOKEN_LENGTH = 8


class ConfigError(ValueError):
    """A setting the user got wrong; the CLI prints it and exits with status 2."""


def local_zone() -> tzinfo:
    """The machine's IANA zone when it can be named (so DST is right), else its fixed offset."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8", errors="replace").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def parse_zone(name: str | None) -> tzinfo:
    """An IANA zone by name ('Europe/Berlin'), or the local zone for None / 'local'."""
    if name is None or name in ("", "local"):
        return local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin"
        raise ConfigError(message) from None


@dataclass(frozen=True)
class MonitorConfig:
    """Everything `babblefish-monitor serve` can be told."""

    source: str = "pulse"
    model_dir: Path | None = None  # None: the model shipped in the package
    host: str = "0.0.0.0"  # the monitor serves the local network by design
    port: int = DEFAULT_PORT
    data_dir: Path = Path("babblefish-data")
    token: str | None = None
    name: str = "Nursery"
    climate: str = "none"
    timezone: str | None = None
    sensitivity: float = 0.5
    calibration_db: float = 0.0
    realtime: bool = True
    loop: bool = False
    zeroconf: bool = True
    record_clips: Path | None = None  # opt-in: cry clips are written here, nowhere else
    send_queue_size: int = 256
    # 0.25 s blocks: half a classifier hop (0.5 s); smaller blocks cost CPU and gain no latency.
    block_seconds: float = 0.25

    def tzinfo(self) -> tzinfo:
        return parse_zone(self.timezone)

    def check(self) -> None:
        """Raise ConfigError for values no monitor can run with."""
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ConfigError(f"--sensitivity must be between 0 and 1, got {self.sensitivity}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be 0-65535, got {self.port}")
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"--token must be at least {MIN_TOKEN_LENGTH} characters")
        if not self.name.strip():
            raise ConfigError("--name must not be empty")
        parse_zone(self.timezone)
