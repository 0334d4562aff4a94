"""The client is a product of its own: its modules run where Home Assistant is not installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT_MODULES = ("api", "models", "state_parts", "exceptions", "protocol", "wire")

# Runs in a fresh interpreter: refuses any `homeassistant` import, and stands in an empty package
# for custom_components.babblefish so that its Home Assistant __init__ is not what is tested.
PROBE = """
import importlib, importlib.abc, json, sys, types
from pathlib import Path

class NoHomeAssistant(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "homeassistant" or name.startswith("homeassistant."):
            raise ImportError(f"{name} imported")
        return None

sys.meta_path.insert(0, NoHomeAssistant())
root = Path(sys.argv[1])
for name, folder in (("custom_components", root / "custom_components"),
                     ("custom_components.babblefish", root / "custom_components" / "babblefish")):
    package = types.ModuleType(name)
    package.__path__ = [str(folder)]
    sys.modules[name] = package
for module in json.loads(sys.argv[2]):
    importlib.import_module(f"custom_components.babblefish.{module}")
from custom_components.babblefish.api import BabblefishClient, parse_message
print(type(parse_message({"type": "result", "id": 1, "success": True, "error": None})).__name__)
"""


def test_client_imports_without_home_assistant() -> None:
    """api, models, exceptions and the wire modules import and parse with Home Assistant refused."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO), json.dumps(CLIENT_MODULES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CommandResult"


def test_probe_catches_a_home_assistant_import() -> None:
    """The probe itself fails for a module that imports Home Assistant (the coordinator)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO), json.dumps(["coordinator"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "homeassistant" in result.stderr
