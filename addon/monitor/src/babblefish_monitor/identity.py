"""The monitor's identity: its API token and device id, kept in the data directory, and its version."""

from __future__ import annotations

import logging
import os
import secrets
import stat
import uuid
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .config import MIN_TOKEN_LENGTH, ConfigError

_LOGGER = logging.getLogger(__name__)

TOKEN_FILE = "token"
DEVICE_ID_FILE = "device_id"


@dataclass(frozen=True)
class Identity:
    """Who this monitor is and how clients prove they may talk to it."""

    device_id: str
    token: str
    token_path: Path | None  # None when the token came from the command line


def _write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (the token is a password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    path.chmod(0o600)


def _check_saved_token(path: Path, token: str) -> None:
    """A kept token is held to the rules of --token, and readable by its owner only."""
    if len(token) < MIN_TOKEN_LENGTH or not token.isprintable() or "\ufffd" in token:
        raise ConfigError(
            f"the token in {path} is shorter than {MIN_TOKEN_LENGTH} characters or not plain "
            "text; write a longer one there, or delete the file to have one generated"
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(0o600)
        except OSError as err:
            _LOGGER.warning("cannot make %s private (mode %o): %s", path, mode, err)
        else:
            _LOGGER.warning(
                "%s was readable by others (mode %o); made it private (600)", path, mode
            )


def load_or_create_token(data_dir: Path, configured: str | None) -> tuple[str, Path | None]:
    """The configured token, else the persisted one, else a new one saved to data_dir/token."""
    if configured:
        return configured, None
    path = data_dir / TOKEN_FILE
    if path.is_file():
        token = path.read_text(encoding="utf-8", errors="replace").strip()
        if token:
            _check_saved_token(path, token)
            return token, path
    token = secrets.token_urlsafe(32)
    _write_private(path, token)
    _LOGGER.info("generated a new API token in %s", path)
    return token, path


def load_or_create_device_id(data_dir: Path) -> str:
    """A random id made once and kept, so Home Assistant recognises the device after restarts."""
    path = data_dir / DEVICE_ID_FILE
    if path.is_file():
        device_id = path.read_text(encoding="utf-8", errors="replace").strip()
        if device_id:
            return device_id
    device_id = uuid.uuid4().hex
    path.write_text(device_id + "\n", encoding="utf-8")
    return device_id


def load_identity(data_dir: Path, configured_token: str | None) -> Identity:
    """Create the data directory if needed and read (or make) the device id and token."""
    data_dir.mkdir(parents=True, exist_ok=True)
    token, token_path = load_or_create_token(data_dir, configured_token)
    return Identity(load_or_create_device_id(data_dir), token, token_path)


def monitor_version() -> str:
    """The installed package's version."""
    try:
        return version("babblefish-monitor")
    except PackageNotFoundError:
        return "0.0.0"
