"""The image's pip install resolves to binary wheels on aarch64 and amd64: nothing compiles on a Pi.

Downloads addon/requirements.txt for CPython 3.11 (bookworm's python3, asserted in the Dockerfile)
and glibc 2.36 from the package registry, wheels only. Skips when the registry is unreachable.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "addon" / "requirements.txt"
PYTHON_VERSION = "3.11"  # python3 on ghcr.io/home-assistant/*-base-debian:bookworm
GLIBC_MINOR = 36  # glibc 2.36 on bookworm
INDEX = "https://pypi.org/simple"


def registry_reachable() -> bool:
    """Whether pypi.org answers; asked by a child process (the test plugin blocks sockets)."""
    probe = "import socket; socket.create_connection(('pypi.org', 443), timeout=5).close()"
    try:
        return (
            subprocess.run([sys.executable, "-c", probe], check=False, timeout=15).returncode == 0
        )
    except subprocess.TimeoutExpired:
        return False


def requirements_for(machine: str, out: Path) -> Path:
    """requirements.txt with markers evaluated for `machine` (pip download would use the host)."""
    environment = {
        "platform_machine": machine,
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "python_version": PYTHON_VERSION,
        "python_full_version": f"{PYTHON_VERSION}.2",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    kept = []
    for raw in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            requirement.marker = None
            kept.append(str(requirement))
    path = out / f"requirements-{machine}.txt"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("machine", ["aarch64", "x86_64"])
def test_requirements_resolve_to_wheels(machine: str, tmp_path: Path) -> None:
    if not registry_reachable():
        pytest.skip("the package registry (pypi.org) cannot be reached from here")
    requirements = requirements_for(machine, tmp_path)
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(17, GLIBC_MINOR + 1)]
    platforms += [f"manylinux2014_{machine}", f"manylinux1_{machine}", f"linux_{machine}"]
    command = [
        sys.executable, "-m", "pip", "download",
        "--only-binary=:all:",
        "--python-version", PYTHON_VERSION, "--implementation", "cp",
        *(arg for platform in platforms for arg in ("--platform", platform)),
        "--index-url", INDEX,
        "-r", str(requirements),
        "-d", str(tmp_path / "wheels"),
    ]  # fmt: skip
    # The registry only: no local wheel folders or extra indexes from this machine's pip config.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=900, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels = sorted(p.name for p in (tmp_path / "wheels").iterdir())
    assert all(name.endswith(".whl") for name in wheels), wheels
    # Dependencies were resolved too: pip needed nothing that requirements.txt does not pin.
    assert len(wheels) == len(requirements.read_text(encoding="utf-8").split()), wheels
    for compiled in ("ai_edge_litert-", "numpy-", "aiohttp-", "zeroconf-"):
        assert any(n.startswith(compiled) and machine in n for n in wheels), (compiled, wheels)
