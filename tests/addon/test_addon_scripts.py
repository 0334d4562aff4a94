"""The add-on's s6 scripts run with bash against a stub bashio: options become monitor flags."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml
from babblefish_monitor.__main__ import build_parser
from babblefish_monitor.serve_cli import config_from_args

ROOT = Path(__file__).resolve().parents[2]
S6 = ROOT / "addon" / "rootfs" / "etc" / "s6-overlay"
RUN = S6 / "s6-rc.d" / "babblefish" / "run"
DISCOVERY = S6 / "scripts" / "discovery"
STUBS = Path(__file__).resolve().parent / "stubs"

DEFAULT_OPTIONS = {
    "name": "Nursery",
    "audio_source": "pulse",
    "sensitivity": 0.5,
    "calibration_db": 0.0,
    "climate_sensor": "none",
    "dht22_pin": "D4",
    "record_clips": False,
    "log_level": "info",
}


def run_script(
    script: Path,
    tmp_path: Path,
    options: dict[str, object],
    path_prefix: str | None = None,
    **env: str,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run one s6 script through the stub bashio with these options; return result and log dir."""
    log_dir = tmp_path / "log"
    log_dir.mkdir(exist_ok=True)
    options_file = tmp_path / "options.json"
    options_file.write_text(json.dumps(options), encoding="utf-8")
    full_env = {
        "PATH": os.pathsep.join(filter(None, [path_prefix, str(STUBS), os.environ["PATH"]])),
        "BASHIO_STUB_OPTIONS": str(options_file),
        "BASHIO_STUB_LOG": str(log_dir),
        "BABBLEFISH_DATA_DIR": str(tmp_path / "data"),
        "BABBLEFISH_CLIPS_DIR": str(tmp_path / "media" / "babblefish"),
        **env,
    }
    result = subprocess.run(
        ["bash", str(STUBS / "bashio"), str(script)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result, log_dir


def monitor_argv(tmp_path: Path, options: dict[str, object], **env: str) -> list[str]:
    """The arguments the run script starts babblefish-monitor with."""
    result, log_dir = run_script(RUN, tmp_path, options, **env)
    assert result.returncode == 0, result.stderr
    argv_file = log_dir / "argv"
    assert argv_file.is_file(), f"the run script never started the monitor: {result.stderr}"
    return argv_file.read_text(encoding="utf-8").split("\0")[:-1]


def flag(argv: list[str], name: str) -> str | None:
    """The value after `name` in argv, None when the flag is absent."""
    return argv[argv.index(name) + 1] if name in argv else None


def test_scripts_use_bashio_with_the_container_environment() -> None:
    for script in (RUN, DISCOVERY, S6 / "s6-rc.d" / "babblefish" / "finish"):
        assert script.read_text(encoding="utf-8").startswith("#!/usr/bin/with-contenv bashio\n")
        assert os.access(script, os.X_OK), f"{script} is not executable"


def test_defaults_map_to_serve_flags(tmp_path: Path) -> None:
    argv = monitor_argv(tmp_path, DEFAULT_OPTIONS, TZ="Europe/Berlin")
    assert argv[0] == "serve"
    assert flag(argv, "--source") == "pulse"
    assert flag(argv, "--host") == "0.0.0.0"
    assert flag(argv, "--port") == "8733"
    assert flag(argv, "--ingress-port") == "8099"
    assert flag(argv, "--data-dir") == str(tmp_path / "data")
    assert flag(argv, "--name") == "Nursery"
    assert float(flag(argv, "--sensitivity") or "nan") == 0.5
    assert float(flag(argv, "--calibration-db") or "nan") == 0.0
    assert flag(argv, "--climate") == "none"
    assert flag(argv, "--log-level") == "INFO"
    # Home Assistant's zone, which the Supervisor passes as TZ.
    assert flag(argv, "--timezone") == "Europe/Berlin"
    assert "--no-zeroconf" in argv
    for absent in ("--model", "--token", "--record-clips"):
        assert absent not in argv


def test_every_option_is_mapped(tmp_path: Path) -> None:
    options = {
        **DEFAULT_OPTIONS,
        "name": "Baby's room",
        "audio_source": "alsa:plughw:1,0",
        "model": "/config/models/mine",
        "sensitivity": 0.8,
        "calibration_db": -3.5,
        "climate_sensor": "dht22",
        "dht22_pin": "GPIO17",
        "time_zone": "America/New_York",
        "token": "s3cret-token",
        "record_clips": True,
        "log_level": "debug",
    }
    argv = monitor_argv(tmp_path, options, TZ="Europe/Berlin")
    assert flag(argv, "--name") == "Baby's room"
    assert flag(argv, "--source") == "alsa:plughw:1,0"
    assert flag(argv, "--model") == "/config/models/mine"
    assert float(flag(argv, "--sensitivity") or "nan") == 0.8
    assert float(flag(argv, "--calibration-db") or "nan") == -3.5
    assert flag(argv, "--climate") == "dht22:D17"
    assert flag(argv, "--timezone") == "America/New_York"
    assert flag(argv, "--token") == "s3cret-token"
    assert flag(argv, "--record-clips") == str(tmp_path / "media" / "babblefish")
    assert (tmp_path / "media" / "babblefish").is_dir()
    assert flag(argv, "--log-level") == "DEBUG"


@pytest.mark.parametrize(
    ("pin", "expected"), [("D4", "dht22:D4"), ("4", "dht22:D4"), ("GPIO22", "dht22:D22")]
)
def test_dht22_pin_spellings(tmp_path: Path, pin: str, expected: str) -> None:
    argv = monitor_argv(tmp_path, {**DEFAULT_OPTIONS, "climate_sensor": "dht22", "dht22_pin": pin})
    assert flag(argv, "--climate") == expected


def test_fake_climate_ignores_the_pin(tmp_path: Path) -> None:
    argv = monitor_argv(tmp_path, {**DEFAULT_OPTIONS, "climate_sensor": "fake"})
    assert flag(argv, "--climate") == "fake"


def test_camera_url_goes_through_ffmpeg_and_its_password_not_into_the_log(tmp_path: Path) -> None:
    url = "rtsp://parent:hunter22@192.168.1.20:554/stream1"
    argv = monitor_argv(tmp_path, {**DEFAULT_OPTIONS, "audio_source": url})
    assert flag(argv, "--source") == f"ffmpeg:{url}"
    log = (tmp_path / "log" / "log").read_text(encoding="utf-8")
    assert "hunter22" not in log
    assert "192.168.1.20" in log


def test_empty_optional_options_are_left_out(tmp_path: Path) -> None:
    options = {**DEFAULT_OPTIONS, "model": "", "time_zone": "", "token": None}
    argv = monitor_argv(tmp_path, options)
    for absent in ("--model", "--token", "--timezone"):
        assert absent not in argv


def discover(
    tmp_path: Path, options: dict[str, object], token_file: str | None, **env: str
) -> tuple[dict[str, object] | None, str]:
    """Run the discovery script; return what it announced (None if nothing) and its log."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    if token_file is not None:
        (data / "token").write_text(token_file + "\n", encoding="utf-8")
    result, log_dir = run_script(DISCOVERY, tmp_path, options, **env)
    assert result.returncode == 0, result.stderr
    log = (log_dir / "log").read_text(encoding="utf-8") if (log_dir / "log").exists() else ""
    if not (log_dir / "discovery").exists():
        return None, log
    service, config = (log_dir / "discovery").read_text(encoding="utf-8").splitlines()
    assert service == "babblefish"
    return json.loads(config), log


def test_discovery_announces_host_port_and_generated_token(tmp_path: Path) -> None:
    config, _ = discover(tmp_path, DEFAULT_OPTIONS, token_file="generated-token-123")
    assert config == {"host": "abc12345-babblefish", "port": 8733, "token": "generated-token-123"}


def test_discovery_prefers_the_token_from_the_options(tmp_path: Path) -> None:
    config, _ = discover(tmp_path, {**DEFAULT_OPTIONS, "token": "from-options"}, token_file="other")
    assert config is not None
    assert config["token"] == "from-options"


def test_discovery_without_a_token_says_so_and_announces_nothing(tmp_path: Path) -> None:
    config, log = discover(tmp_path, DEFAULT_OPTIONS, token_file=None)
    assert config is None
    assert "No token" in log


def test_discovery_gives_up_quietly_when_the_api_never_answers(tmp_path: Path) -> None:
    config, log = discover(
        tmp_path, DEFAULT_OPTIONS, "tok-12345678", STUB_HEALTH_OK="0", BABBLEFISH_DISCOVERY_WAIT="3"
    )
    assert config is None
    assert "did not answer" in log


def parse_with_the_monitor(argv: list[str]) -> argparse.Namespace:
    """Parse argv with the real `babblefish-monitor` parser; fail if it refuses them."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as err:
        pytest.fail(f"babblefish-monitor refuses {argv}: exit {err.code}")


def test_the_monitor_accepts_the_default_flags(tmp_path: Path) -> None:
    args = parse_with_the_monitor(monitor_argv(tmp_path, DEFAULT_OPTIONS, TZ="Europe/Berlin"))
    config = config_from_args(args)
    config.check()
    assert config.zeroconf is False
    assert config.port == 8733
    assert config.ingress_port == 8099
    # Only the Supervisor's ingress proxy may use the token-free panel port.
    assert config.ingress_trusted == "172.30.32.2"


def test_the_ingress_port_matches_the_add_on_config(tmp_path: Path) -> None:
    addon_config = yaml.safe_load((ROOT / "addon" / "config.yaml").read_text(encoding="utf-8"))
    assert addon_config["ingress"] is True
    argv = monitor_argv(tmp_path, DEFAULT_OPTIONS)
    assert flag(argv, "--ingress-port") == str(addon_config["ingress_port"])


def test_the_monitor_accepts_every_option(tmp_path: Path) -> None:
    options = {
        **DEFAULT_OPTIONS,
        "audio_source": "rtsp://cam.local/stream",
        "model": "/config/models/mine",
        "sensitivity": 0.7,
        "calibration_db": 2.0,
        "climate_sensor": "dht22",
        "dht22_pin": "4",
        "time_zone": "Europe/Berlin",
        "token": "s3cret-token",
        "log_level": "warning",
    }
    args = parse_with_the_monitor(monitor_argv(tmp_path, options))
    config = config_from_args(args)
    config.check()
    assert config.source == "ffmpeg:rtsp://cam.local/stream"
    assert config.climate == "dht22:D4"


def test_the_monitor_accepts_clip_recording(tmp_path: Path) -> None:
    argv = monitor_argv(tmp_path, {**DEFAULT_OPTIONS, "record_clips": True})
    config = config_from_args(parse_with_the_monitor(argv))
    config.check()
    assert config.record_clips == tmp_path / "media" / "babblefish"
