"""config.yaml, build.yaml, repository.yaml, translations: checked against the Supervisor's rules.

The Supervisor does not report a bad add-on config in the UI: the store logs a warning and the
add-on is simply missing. These schemas transcribe the Supervisor's validators
(supervisor/addons/validate.py, options.py, const.py, supervisor/validate.py) for every key this
add-on uses, so a typo fails here.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
import yaml

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addon"

# supervisor/addons/const.py
RE_SLUG = r"^[-_.A-Za-z0-9]+$"
# supervisor/addons/options.py
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool"
    r"|email"
    r"|url"
    r"|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)
# supervisor/const.py (the 32-bit arches are deprecated but still accepted)
ARCH_ALL = ["aarch64", "amd64", "armhf", "armv7", "i386"]
STARTUP = ["initialize", "system", "services", "application", "once"]
BOOT_CONFIG = ["auto", "manual", "manual_only"]
STAGE = ["stable", "experimental", "deprecated"]
MAP_TYPES = [
    "config", "ssl", "addons", "backup", "share", "media",
    "homeassistant_config", "all_addon_configs", "addon_config", "data",
    "app_config", "all_app_configs",
]  # fmt: skip
# Accepted but legacy since Supervisor 2026.07 (it warns): the add-on must use the current names.
MAP_TYPES_LEGACY = ["addon_config", "all_addon_configs"]
CAPABILITIES = [
    "BPF", "CHECKPOINT_RESTORE", "DAC_READ_SEARCH", "IPC_LOCK", "NET_ADMIN", "NET_RAW", "PERFMON",
    "SYS_ADMIN", "SYS_MODULE", "SYS_NICE", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME",
]  # fmt: skip
# supervisor/validate.py
NETWORK_PORT = vol.All(vol.Coerce(int), vol.Range(min=1, max=65535))
DOCKER_PORT = vol.All(str, vol.Match(r"^\d+(?:/tcp|/udp)?$"))
DOCKER_IMAGE_BUILD = vol.Match(r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$")
VERSION = vol.All(str, vol.Match(r"^\d+\.\d+\.\d+(?:[-.]?[0-9A-Za-z.]+)?$"))

SCHEMA_ELEMENT = vol.Schema(
    vol.Any(
        vol.Match(RE_SCHEMA_ELEMENT),
        [vol.Any(vol.Match(RE_SCHEMA_ELEMENT), {str: vol.Self})],
        {str: vol.Self},
    )
)

# The add-on config keys (supervisor/addons/validate.py: _SCHEMA_ADDON_CONFIG) this add-on may use.
# extra=PREVENT (the Supervisor drops unknown keys silently; a misspelt key must fail here instead).
ADDON_CONFIG = vol.Schema(
    {
        vol.Required("name"): str,
        # A quoted string: YAML would read 0.10 as the float 0.1.
        vol.Required("version"): VERSION,
        vol.Required("slug"): vol.Match(RE_SLUG),
        vol.Required("description"): str,
        vol.Required("arch"): [vol.In(ARCH_ALL)],
        vol.Optional("url"): vol.Url(),
        vol.Optional("init"): bool,
        vol.Optional("startup"): vol.In(STARTUP),
        vol.Optional("boot"): vol.In(BOOT_CONFIG),
        vol.Optional("stage"): vol.In(STAGE),
        vol.Optional("ports"): {DOCKER_PORT: vol.Maybe(NETWORK_PORT)},
        vol.Optional("ports_description"): {DOCKER_PORT: str},
        vol.Optional("watchdog"): vol.Match(
            r"^(?:https?|\[PROTO:\w+\]|tcp):\/\/\[HOST\]:(\[PORT:\d+\]|\d+).*$"
        ),
        vol.Optional("ingress"): bool,
        vol.Optional("ingress_port"): vol.Any(NETWORK_PORT, vol.Equal(0)),
        vol.Optional("ingress_entry"): str,
        vol.Optional("ingress_stream"): bool,
        vol.Optional("panel_icon"): vol.Match(r"^mdi:[a-z0-9-]+$"),
        vol.Optional("panel_title"): str,
        vol.Optional("panel_admin"): bool,
        vol.Optional("hassio_api"): bool,
        vol.Optional("homeassistant_api"): bool,
        vol.Optional("discovery"): [str],
        vol.Optional("audio"): bool,
        vol.Optional("gpio"): bool,
        # Paths only: the old host:container:perm form is migrated away.
        vol.Optional("devices"): [vol.Match(r"^/dev/[^:]+$")],
        vol.Optional("privileged"): [vol.In(CAPABILITIES)],
        vol.Optional("map"): [
            {
                vol.Required("type"): vol.In(MAP_TYPES),
                vol.Optional("read_only"): bool,
                vol.Optional("path"): str,
            }
        ],
        vol.Optional("image"): vol.Match(r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)$"),
        vol.Optional("options"): dict,
        vol.Optional("schema"): vol.Any(vol.Schema({str: SCHEMA_ELEMENT}), False),
    },
    extra=vol.PREVENT_EXTRA,
)

# supervisor/addons/validate.py: SCHEMA_BUILD_CONFIG
BUILD_CONFIG = vol.Schema(
    {
        vol.Optional("build_from"): vol.Any(
            DOCKER_IMAGE_BUILD, vol.Schema({vol.In(ARCH_ALL): DOCKER_IMAGE_BUILD})
        ),
        vol.Optional("squash"): bool,
        vol.Optional("args"): vol.Schema({str: str}),
        vol.Optional("labels"): vol.Schema({str: str}),
    },
    extra=vol.PREVENT_EXTRA,
)

# supervisor/store/validate.py: SCHEMA_REPOSITORY_CONFIG
REPOSITORY_CONFIG = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("url"): vol.Url(),
        vol.Optional("maintainer"): str,
    },
    extra=vol.PREVENT_EXTRA,
)

# supervisor/addons/validate.py: SCHEMA_ADDON_TRANSLATIONS
TRANSLATION_FIELD = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("description"): vol.Maybe(str),
        vol.Optional("fields"): {str: vol.Self},
    },
    extra=vol.PREVENT_EXTRA,
)
TRANSLATIONS = vol.Schema(
    {
        vol.Optional("configuration"): {str: TRANSLATION_FIELD},
        vol.Optional("network"): {str: str},
    },
    extra=vol.PREVENT_EXTRA,
)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return load(ADDON / "config.yaml")  # type: ignore[no-any-return]


def test_config_passes_the_supervisor_schema(config: dict[str, Any]) -> None:
    ADDON_CONFIG(config)


def test_config_is_what_the_design_asks_for(config: dict[str, Any]) -> None:
    assert config["slug"] == "babblefish"
    assert sorted(config["arch"]) == ["aarch64", "amd64"]
    assert config["init"] is False  # s6-overlay v3 is PID 1
    assert config["audio"] is True
    assert config["discovery"] == ["babblefish"]
    assert config["hassio_api"] is True  # posting to /discovery needs it
    assert config["ports"] == {"8733/tcp": 8733}
    assert set(config["ports_description"]) == set(config["ports"])
    assert "privileged" not in config
    assert "full_access" not in config
    assert "host_network" not in config


def test_version_matches_the_changelog(config: dict[str, Any]) -> None:
    changelog = (ADDON / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## +\[?v?([0-9][^\]\s]*)", changelog, re.MULTILINE)
    assert first is not None, "CHANGELOG.md has no '## <version>' heading"
    assert first.group(1) == config["version"]


def check_option(key: str, element: str, value: Any) -> None:
    """Raise AssertionError unless `value` is valid for the Supervisor schema element `element`."""
    match = RE_SCHEMA_ELEMENT.match(element)
    assert match, f"{key}: {element!r} is no Supervisor schema type"
    base = element.rstrip("?")
    if base.startswith("list("):
        assert value in match.group("list").split("|"), f"{key}: {value!r} not in {base}"
    elif base.startswith("match("):
        assert re.fullmatch(match.group("match"), str(value)), f"{key}: {value!r} fails {base}"
    elif base.startswith("float"):
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{key}: not a float"
        low, high = match.group("f_min"), match.group("f_max")
        assert low is None or float(low) <= value, f"{key}: {value} < {low}"
        assert high is None or value <= float(high), f"{key}: {value} > {high}"
    elif base.startswith("int"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{key}: not an int"
    elif base == "bool":
        assert isinstance(value, bool), f"{key}: not a bool"
    elif base.startswith(("str", "password")):
        assert isinstance(value, str), f"{key}: not a string"


def test_options_match_the_schema(config: dict[str, Any]) -> None:
    options, schema = config["options"], config["schema"]
    assert set(options) <= set(schema), f"options without a schema: {set(options) - set(schema)}"
    required = {key for key, element in schema.items() if not element.endswith("?")}
    missing = required - set(options)
    assert not missing, f"required options without a default: {missing}"
    for key, value in options.items():
        check_option(key, schema[key], value)


def test_options_the_issue_names_are_there(config: dict[str, Any]) -> None:
    schema = config["schema"]
    for key in (
        "audio_source", "model", "sensitivity", "calibration_db", "climate_sensor",
        "dht22_pin", "time_zone", "record_clips", "log_level",
    ):  # fmt: skip
        assert key in schema, key
    assert schema["sensitivity"] == "float(0,1)"
    assert schema["climate_sensor"] == "list(none|dht22|fake)"
    assert config["options"]["record_clips"] is False  # opt-in
    assert config["options"]["audio_source"] == "pulse"


@pytest.mark.parametrize("pin", ["D4", "4", "GPIO17", "D26"])
def test_dht22_pin_accepts_the_spellings_parents_use(config: dict[str, Any], pin: str) -> None:
    check_option("dht22_pin", config["schema"]["dht22_pin"], pin)


def test_translations_cover_exactly_the_options(config: dict[str, Any]) -> None:
    translations = TRANSLATIONS(load(ADDON / "translations" / "en.yaml"))
    assert set(translations["configuration"]) == set(config["schema"])
    assert set(translations.get("network", {})) == set(config["ports"])


def test_build_config_passes_the_supervisor_schema(config: dict[str, Any]) -> None:
    build = BUILD_CONFIG(load(ADDON / "build.yaml"))
    assert set(build["build_from"]) == set(config["arch"])
    for arch, image in build["build_from"].items():
        assert image.startswith(f"ghcr.io/home-assistant/{arch}-base-debian:"), image


def test_repository_passes_the_supervisor_schema() -> None:
    REPOSITORY_CONFIG(load(ROOT / "repository.yaml"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_icon_and_logo() -> None:
    assert png_size(ADDON / "icon.png") == (128, 128)
    width, height = png_size(ADDON / "logo.png")
    assert 100 <= width <= 500 and 50 <= height <= 250  # the store shows it at 250x100


def test_docs_and_apparmor_are_there(config: dict[str, Any]) -> None:
    for name in ("DOCS.md", "README.md", "CHANGELOG.md"):
        assert (ADDON / name).stat().st_size > 100, name
    apparmor = (ADDON / "apparmor.txt").read_text(encoding="utf-8")
    # The Supervisor loads the profile under the add-on's slug.
    assert re.search(rf"^profile {config['slug']} ", apparmor, re.MULTILINE)


def test_s6_services_are_wired() -> None:
    s6 = ADDON / "rootfs" / "etc" / "s6-overlay" / "s6-rc.d"
    assert (s6 / "babblefish" / "type").read_text().strip() == "longrun"
    assert (s6 / "discovery" / "type").read_text().strip() == "oneshot"
    up = (s6 / "discovery" / "up").read_text().strip()
    assert (ADDON / "rootfs" / up.lstrip("/")).is_file(), up
    assert (s6 / "discovery" / "dependencies.d" / "babblefish").exists()
    assert (s6 / "user" / "contents.d" / "babblefish").exists()
    assert (s6 / "user" / "contents.d" / "discovery").exists()
