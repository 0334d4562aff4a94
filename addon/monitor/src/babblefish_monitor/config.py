"""The monitor's settings (one per command-line flag) and the time zone they name."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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


def flag(help_text: str, *, name: str | None = None, metavar: str | None = None) -> dict[str, str]:
    """Field metadata that makes a `MonitorConfig` field a `serve` flag with this help sentence."""
    meta = {"help": help_text}
    if name is not None:
        meta["flag"] = name
    if metavar is not None:
        meta["metavar"] = metavar
    return meta


@dataclass(frozen=True)
class MonitorConfig:
    """Everything `babblefish-monitor serve` can be told; each field with a help text is a flag."""

    source: str = field(
        default="pulse",
        metadata=flag(
            "Where the audio comes from: alsa:<device>, pulse[:<source>], ffmpeg:<input> "
            "or file:<path>.",
            metavar="SPEC",
        ),
    )
    model_dir: Path | None = field(
        default=None,
        metadata=flag(
            "Model directory (model.json, model.tflite); unset means the model shipped "
            "with the monitor.",
            name="--model",
            metavar="DIR",
        ),
    )
    # The monitor serves the local network by design.
    host: str = field(default="0.0.0.0", metadata=flag("Address the API listens on."))
    port: int = field(
        default=DEFAULT_PORT, metadata=flag("TCP port of the API; 0 picks a free one.")
    )
    data_dir: Path = field(
        default=Path("babblefish-data"),
        metadata=flag(
            "Directory for the cry tally, the API token and the device id.", metavar="DIR"
        ),
    )
    token: str | None = field(
        default=None,
        metadata=flag(
            "API token (8+ characters); unset means one is generated once and kept in the "
            "data directory."
        ),
    )
    name: str = field(default="Nursery", metadata=flag("The name Home Assistant shows."))
    climate: str = field(
        default="none",
        metadata=flag(
            "Room climate sensor: dht22:<pin>, fake[:<failure rate>] or none.", metavar="SPEC"
        ),
    )
    timezone: str | None = field(
        default=None,
        metadata=flag(
            "IANA time zone whose midnight starts a new day of cry minutes; unset means the "
            "machine's zone.",
            metavar="ZONE",
        ),
    )
    sensitivity: float = field(
        default=0.5,
        metadata=flag("How readily crying is detected, 0 to 1; higher detects more."),
    )
    calibration_db: float = field(
        default=0.0, metadata=flag("Decibels added to every sound level reading.", metavar="DB")
    )
    realtime: bool = field(
        default=True,
        metadata=flag("Pace a file source at real speed; --no-realtime reads it flat out."),
    )
    loop: bool = field(default=False, metadata=flag("Replay a file source forever."))
    zeroconf: bool = field(
        default=True, metadata=flag("Advertise the monitor on the local network (mDNS).")
    )
    record_clips: Path | None = field(
        default=None,
        metadata=flag(
            "Opt-in: save each cry episode's audio as a WAV file in DIR; unset means nothing "
            "is ever recorded.",
            metavar="DIR",
        ),
    )
    ingress_port: int | None = field(
        default=None,
        metadata=flag(
            "Also serve the night panel on this port to Home Assistant's ingress proxy only "
            "(no token there); unset means no ingress port.",
            metavar="PORT",
        ),
    )
    ingress_trusted: str = field(
        default="172.30.32.2",
        metadata=flag(
            "Comma-separated addresses the ingress port answers (the Supervisor's proxy).",
            metavar="ADDRS",
        ),
    )
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
        if self.ingress_port is not None and not 0 <= self.ingress_port <= 65535:
            raise ConfigError(f"--ingress-port must be 0-65535, got {self.ingress_port}")
        if self.token is not None and len(self.token) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"--token must be at least {MIN_TOKEN_LENGTH} characters")
        if not self.name.strip():
            raise ConfigError("--name must not be empty")
        parse_zone(self.timezone)
        for flag_text, path in (
            ("--data-dir", self.data_dir),
            ("--record-clips", self.record_clips),
        ):
            if path is not None and path.is_file():
                raise ConfigError(
                    f"{flag_text} {path} is a file; give a directory (it is created if missing)"
                )
