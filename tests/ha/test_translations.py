"""Every translation key the code uses exists, and the shipped English file is strings.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "custom_components" / "babblefish"
STRINGS = json.loads((PACKAGE / "strings.json").read_text())


def test_english_is_strings() -> None:
    """translations/en.json is what strings.json says (custom integrations ship it directly)."""
    assert json.loads((PACKAGE / "translations" / "en.json").read_text()) == STRINGS


@pytest.mark.parametrize("module", sorted(p.name for p in PACKAGE.glob("*.py")))
def test_exception_and_issue_keys_exist(module: str) -> None:
    """Exceptions and repair issues name keys that strings.json defines."""
    source = (PACKAGE / module).read_text()
    for key in re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', source):
        assert key in STRINGS["exceptions"], f"{module}: exception {key}"
    if module == "issues.py":
        for key in ("unreachable", "protocol_mismatch", "model_error"):
            assert key in STRINGS["issues"]


def test_entity_keys_have_names_and_icons() -> None:
    """Every entity translation key has a name and an icon."""
    icons = json.loads((PACKAGE / "icons.json").read_text())["entity"]
    keys: dict[str, set[str]] = {}
    for module in ("binary_sensor", "event", "number", "sensor", "switch"):
        source = (PACKAGE / f"{module}.py").read_text()
        keys[module] = set(re.findall(r'translation_key="([a-z_]+)"', source)) - set(
            re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', source)
        )
    for platform, platform_keys in keys.items():
        for key in platform_keys:
            assert "name" in STRINGS["entity"][platform][key], f"{platform}.{key}"
            assert key in icons[platform], f"icon for {platform}.{key}"


def test_config_errors_and_aborts_exist() -> None:
    """Errors and abort reasons used by the config flow are all translated."""
    source = (PACKAGE / "config_flow.py").read_text()
    for key in re.findall(r'"base": "([a-z_]+)"', source):
        assert key in STRINGS["config"]["error"]
    for key in re.findall(r'reason="([a-z_]+)"', source):
        assert key in STRINGS["config"]["abort"] or key in STRINGS["options"]["abort"]
