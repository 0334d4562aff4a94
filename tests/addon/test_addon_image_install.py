"""The image's Python install, rehearsed without Docker on Debian bookworm's own python3.

Creates a venv with /usr/bin/python3 (3.11 on bookworm, the interpreter the image uses), installs
addon/requirements.txt (wheels only) and the monitor with --no-deps as the Dockerfile does, starts
`babblefish-monitor serve` on the demo recording, and runs the add-on's discovery script on it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_addon_scripts import DEFAULT_OPTIONS, DISCOVERY, run_script
from test_addon_wheels import registry_reachable

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = Path("/usr/bin/python3")
DEMO = ROOT / "demo" / "nursery_demo.flac"


def image_python_available() -> bool:
    if not SYSTEM_PYTHON.is_file():
        return False
    probe = "import sys, venv; assert sys.version_info[:2] == (3, 11)"
    return subprocess.run([str(SYSTEM_PYTHON), "-c", probe], check=False).returncode == 0


def free_port() -> int:
    """A TCP port nobody listens on (asked from a child: the test plugin blocks sockets here)."""
    probe = (
        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return int(result.stdout)


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv built the way the Dockerfile builds /opt/babblefish."""
    if not image_python_available():
        pytest.skip("no Debian bookworm python3 3.11 with venv at /usr/bin/python3")
    if not registry_reachable():
        pytest.skip("the package registry (pypi.org) cannot be reached from here")
    venv = tmp_path_factory.mktemp("image") / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k == "PIP_CERT"}
    env["PIP_CONFIG_FILE"] = os.devnull
    pip = str(venv / "bin" / "pip")
    steps = [
        [str(SYSTEM_PYTHON), "-m", "venv", str(venv)],
        [pip, "install", "--quiet", "--only-binary=:all:",
         "-r", str(ROOT / "addon" / "requirements.txt")],
        [pip, "install", "--quiet", "--no-deps", str(ROOT / "addon" / "monitor")],
        [pip, "check"],
    ]  # fmt: skip
    for step in steps:
        result = subprocess.run(
            step, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert result.returncode == 0, f"{step[:3]}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return venv


@pytest.mark.slow
def test_monitor_runs_from_the_image_venv_and_discovery_announces_it(
    image_venv: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    port = free_port()
    command = [
        str(image_venv / "bin" / "babblefish-monitor"), "serve",
        "--source", f"file:{DEMO}", "--climate", "fake", "--no-zeroconf",
        "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data), "--log-level", "INFO",
    ]  # fmt: skip
    monitor = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The discovery script waits for the real health check (real curl), then reads the token.
        real_tools = tmp_path / "real-tools"
        real_tools.mkdir()
        for tool in ("curl", "sleep"):  # the real ones, ahead of the test stubs
            found = shutil.which(tool)
            if found is None:
                pytest.skip(f"{tool} not installed")
            (real_tools / tool).symlink_to(found)
        started = time.monotonic()
        result, log_dir = run_script(
            DISCOVERY,
            tmp_path,
            DEFAULT_OPTIONS,
            path_prefix=str(real_tools),
            BABBLEFISH_DISCOVERY_WAIT="60",
            BABBLEFISH_API_PORT=str(port),
        )
        assert result.returncode == 0, result.stderr
        assert monitor.poll() is None, "the monitor exited"
        discovery = (log_dir / "discovery").read_text(encoding="utf-8").splitlines()
        assert discovery[0] == "babblefish"
        config = json.loads(discovery[1])
        assert config["port"] == port
        assert config["token"] == (data / "token").read_text(encoding="utf-8").strip()
        assert time.monotonic() - started < 60
    finally:
        monitor.terminate()
        output, _ = monitor.communicate(timeout=30)
    assert monitor.returncode == 0, output[-3000:]
    print(output[-1500:], file=sys.stderr)


@pytest.mark.slow
def test_the_default_model_is_installed_with_the_monitor(image_venv: Path) -> None:
    source = ROOT / "addon" / "monitor" / "src" / "babblefish_monitor" / "models" / "default"
    installed = next(
        image_venv.glob("lib/python3*/site-packages/babblefish_monitor/models/default")
    )
    shipped = sorted(p.name for p in source.iterdir() if p.is_file())
    assert sorted(p.name for p in installed.iterdir() if p.is_file()) == shipped
