"""Every translation key the code uses exists, and the shipped English file is strings.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from custom_components.babblefish.issues import ALL_KINDS

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
        for key in ALL_KINDS:
            assert key in STRINGS["issues"], f"issue {key}"


def test_entity_keys_have_names_and_icons() -> None:
    """Every entity translation key has a name and an icon."""
    icons = json.loads((PACKAGE / "icons.json").read_text())["entity"]
    keys: dict[str, set[str]] = {}
    # Platform modules, and the modules holding one entity class of a platform.
    modules = {"binary_sensor": "binary_sensor", "event": "event", "number": "number"}
    modules |= {"sensor": "sensor", "sound": "sensor", "switch": "switch"}
    for module, platform in modules.items():
        source = (PACKAGE / f"{module}.py").read_text()
        found = set(re.findall(r'translation_key\s*=\s*"([a-z_]+)"', source)) - set(
            re.findall(r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', source)
        )
        keys.setdefault(platform, set()).update(found)
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


DEFAULT_LABELS = (
    PACKAGE.parents[1] / "addon/monitor/src/babblefish_monitor/models/default/labels.txt"
).read_text()


def test_every_default_label_has_a_state_name_and_icon() -> None:
    """Each sound class of the shipped model reads as words in the history, with its own icon;
    the integration's list of translated labels is the model's."""
    from custom_components.babblefish.labels import TRANSLATED_LABELS

    labels = {line.strip() for line in DEFAULT_LABELS.splitlines() if line.strip()}
    assert labels == TRANSLATED_LABELS
    names = STRINGS["entity"]["sensor"]["sound"]["state"]
    icons = json.loads((PACKAGE / "icons.json").read_text())["entity"]["sensor"]["sound"]["state"]
    assert set(names) == labels
    assert set(icons) == labels
    assert all(name and name[0].isupper() for name in names.values())


def test_cry_event_types_have_names() -> None:
    """The logbook and the event's more-info name each event type as a parent would."""
    from custom_components.babblefish.protocol import EVENT_NAMES

    names = STRINGS["entity"]["event"]["cry"]["state_attributes"]["event_type"]["state"]
    assert names == {"cry_started": "Cry started", "cry_ended": "Cry ended"}
    assert set(names) == set(EVENT_NAMES)


def test_model_error_repair_says_what_to_fix() -> None:
    """The repair for a missing or broken model quotes the monitor, says what still works, and
    names the option to change and the step that clears it."""
    description = STRINGS["issues"]["model_error"]["description"]
    for needed in ("{error}", "sound level", "**model**", "babblefish-train", "restart"):
        assert needed in description, needed
