"""addon/requirements.txt: every run-time package pinned, and the pins follow uv.lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "addon" / "requirements.txt"

# Pins that differ from uv.lock on purpose (uv.lock is resolved for the dev Python 3.13 only);
# requirements.txt's header says why.
IMAGE_ONLY = {"gpiod"}
DIFFERENT_FOR_PYTHON_311 = {"backports-strenum"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """Package -> version from requirements.txt; fails on any line that is not `name==version`."""
    result = {}
    for raw in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)(\s*;.*)?", line)
        assert match, f"not an exact pin: {line!r}"
        result[normalise(match.group(1))] = match.group(2)
    return result


def locked() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {normalise(p["name"]): p["version"] for p in lock["package"] if "version" in p}


def test_every_line_is_an_exact_pin() -> None:
    assert len(pins()) > 10


def test_pins_follow_the_lock() -> None:
    lock = locked()
    drift = {
        name: (version, lock.get(name))
        for name, version in pins().items()
        if name not in IMAGE_ONLY | DIFFERENT_FOR_PYTHON_311 and lock.get(name) != version
    }
    assert not drift, f"requirements.txt vs uv.lock (regenerate as its header says): {drift}"


def test_the_monitors_direct_dependencies_are_pinned() -> None:
    project = tomllib.loads(
        (ROOT / "addon" / "monitor" / "pyproject.toml").read_text(encoding="utf-8")
    )
    wanted = (
        project["project"]["dependencies"] + project["project"]["optional-dependencies"]["dht22"]
    )
    names = {normalise(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in wanted}
    assert names <= set(pins()), f"not in requirements.txt: {names - set(pins())}"
