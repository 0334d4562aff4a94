"""Which Home Assistant runs `hass` for the demo and the end-to-end tests: current or minimum."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CURRENT_HA = REPO / "scripts" / "current_ha.sh"
CHOICES = ("auto", "current", "minimum")
# What building the current version's chroot calls (scripts/current_ha.sh, debootstrap_root.sh).
CHROOT_TOOLS = ("debootstrap", "unshare", "chroot", "mount")


@dataclass(frozen=True)
class HassVersion:
    """How to start `hass` for one Home Assistant version."""

    name: str
    description: str
    prefix: tuple[str, ...]

    def argv(self, config_dir: Path) -> list[str]:
        """The command line that runs Home Assistant on `config_dir`."""
        return [*self.prefix, "-c", str(config_dir), "--skip-pip"]

    def environment(self, config_dir: Path) -> dict[str, str]:
        """Variables the command needs on top of the caller's environment."""
        if self.name != "current":
            return {}
        # The chroot sees only what is mounted into it: the configuration directory, at its own path.
        return {"CURRENT_HA_BIND": str(config_dir.resolve())}


MINIMUM = HassVersion(
    "minimum",
    "Home Assistant 2025.4.4 (the oldest the integration supports; the main environment)",
    (str(Path(sys.executable).with_name("hass")),),
)
CURRENT = HassVersion(
    "current",
    "the current Home Assistant (2026.10.4 on Python 3.14, in the chroot of scripts/current_ha.sh)",
    (str(CURRENT_HA), "hass"),
)


class HassVersionError(RuntimeError):
    """The requested Home Assistant version cannot run on this machine; the message says why."""


def current_problem() -> str | None:
    """Why the current version cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "building and entering its chroot needs root (debootstrap, chroot)"
    missing = [tool for tool in CHROOT_TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (apt-get install debootstrap util-linux)"
    return None


def prepare_current() -> str | None:
    """Build the current version's chroot unless it is ready (minutes, once); why it failed, or None."""
    result = subprocess.run(
        [str(CURRENT_HA), "--setup"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"scripts/current_ha.sh --setup failed: {last}"
    return None


def choose(requested: str) -> tuple[HassVersion, str | None]:
    """The version to run for `requested` (auto, current, minimum), and why auto fell back, if it did.

    `current` that cannot run raises HassVersionError; `auto` prefers current and falls back.
    """
    if requested not in CHOICES:
        raise HassVersionError(
            f"unknown Home Assistant version {requested!r}: use one of {CHOICES}"
        )
    if requested == "minimum":
        return MINIMUM, None
    problem = current_problem() or prepare_current()
    if problem is None:
        return CURRENT, None
    if requested == "current":
        raise HassVersionError(f"the current Home Assistant cannot run here: {problem}")
    return MINIMUM, (
        f"Running Home Assistant 2025.4.4 instead of the current version: {problem}. "
        "For the current one, run `make demo HA=current` as root on a Debian or Ubuntu machine "
        "with debootstrap installed."
    )
