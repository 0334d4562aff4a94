"""The install command the READMEs give for babblefish-train resolves; the training package alone does not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "pip install ./addon/monitor ./training"


def _pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--dry-run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )


@pytest.mark.slow
def test_the_documented_pip_install_resolves(tmp_path: Path) -> None:
    """babblefish-monitor is not on PyPI: it must be installed from the checkout alongside."""
    for readme in ("README.md", "training/README.md"):
        assert COMMAND in (ROOT / readme).read_text(encoding="utf-8"), readme
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    alone = _pip(venv, "./training")
    assert alone.returncode != 0 and "babblefish-monitor" in alone.stderr
    both = _pip(venv, "./addon/monitor", "./training")
    assert both.returncode == 0, both.stderr[-2000:]
    would = next(line for line in both.stdout.splitlines() if line.startswith("Would install"))
    assert "babblefish-monitor-" in would and "babblefish-training-" in would
