"""`babblefish-monitor serve` as a real process: startup output, SIGTERM, and user mistakes."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from monitor_helpers import auth, write_recording

CLI = [sys.executable, "-m", "babblefish_monitor"]


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timezone", "Mars/Olympus"], "unknown time zone"),
        (["--source", "tape:side-a"], "unknown audio source"),
        (["--source", "file:/no/such.wav"], "does not exist"),
        (["--climate", "dht22:4"], "adafruit-circuitpython-dht"),
        (["--climate", "bme280"], "choose dht22"),
        (["--sensitivity", "3"], "--sensitivity"),
        (["--token", "short"], "--token"),
    ],
)
async def test_user_mistakes_exit_2_without_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    wav = write_recording(tmp_path / "q.wav", [("quiet", 0.5)])
    base = ["serve", "--source", f"file:{wav}", "--data-dir", str(tmp_path), "--no-zeroconf"]
    code, _out, err = await run_cli(*base, *args)
    assert code == 2, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("flag", "kind", "message"),
    [
        ("--data-dir", "file", "--data-dir {path} is a file; give a directory"),
        ("--record-clips", "file", "--record-clips {path} is a file; give a directory"),
        ("--source", "directory", "audio file {path} is a directory; give a WAV or FLAC file"),
    ],
)
async def test_a_file_for_a_directory_and_back_is_named(
    tmp_path: Path, flag: str, kind: str, message: str
) -> None:
    wav = write_recording(tmp_path / "q.wav", [("quiet", 0.5)])
    path = tmp_path / "wrong"
    if kind == "file":
        path.write_text("not a directory")
    else:
        path.mkdir()
    value = f"file:{path}" if flag == "--source" else str(path)
    args = {"--source": f"file:{wav}", "--data-dir": str(tmp_path / "data"), flag: value}
    code, _out, err = await run_cli(
        "serve", "--no-zeroconf", *[x for kv in args.items() for x in kv]
    )
    assert code == 2, err
    assert message.format(path=path) in err and "Traceback" not in err


async def test_a_busy_port_suggests_another(tmp_path: Path) -> None:
    wav = write_recording(tmp_path / "q.wav", [("quiet", 0.5)])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        code, _out, err = await run_cli(
            "serve", "--source", f"file:{wav}", "--data-dir", str(tmp_path), "--no-zeroconf",
            "--host", "127.0.0.1", "--port", port,
        )  # fmt: skip
    assert code == 2, err
    assert f"port {port} on 127.0.0.1 is already in use" in err and "--port" in err
    assert "Traceback" not in err


async def test_serve_prints_token_serves_and_stops_on_sigterm(
    tmp_path: Path, tone_model_dir: Path
) -> None:
    wav = write_recording(tmp_path / "q.wav", [("quiet", 1.0), ("cry", 1.0)])
    data = tmp_path / "data"
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "--source", f"file:{wav}", "--loop", "--model", str(tone_model_dir),
        "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data), "--no-zeroconf",
        "--climate", "fake", "--timezone", "Europe/Berlin", "--name", "Attic",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    lines: list[str] = []
    async with asyncio.timeout(30):
        while not any(line.startswith("  (") for line in lines):
            lines.append((await process.stdout.readline()).decode())
            assert lines[-1], await process.stderr.read()
    text = "".join(lines)
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", text).group(1))  # type: ignore[union-attr]
    token = (data / "token").read_text().strip()
    assert f"API token: {token[:4]}***" in text and str(data / "token") in text
    assert token not in text  # stdout is the add-on log: the token is never printed there
    async with (
        aiohttp.ClientSession(headers=auth(token)) as session,
        session.get(f"http://127.0.0.1:{port}/api/v1/info") as resp,
    ):
        info = await resp.json()
    assert info["name"] == "Attic" and "climate" in info["capabilities"]
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 20) == 0
    assert (data / "tally.db").is_file()


@pytest.mark.parametrize(
    ("argv", "level"),
    [
        (["serve"], "INFO"),
        (["--log-level", "debug", "serve"], "DEBUG"),
        (["serve", "--log-level", "warning"], "WARNING"),
        (["--log-level", "debug", "serve", "--log-level", "error"], "ERROR"),
        (["--log-level", "warning", "replay", "x.wav", "--events-out", "e.jsonl"], "WARNING"),
    ],
)
def test_log_level_before_or_after_the_subcommand(argv: list[str], level: str) -> None:
    """A level given before `serve` is not silently reset by serve's own default."""
    from babblefish_monitor.__main__ import build_parser

    assert build_parser().parse_args(argv).log_level == level


def test_serve_logs_with_timestamps() -> None:
    from babblefish_monitor.__main__ import build_parser
    from babblefish_monitor.log_options import SERVICE_FORMAT

    assert build_parser().parse_args(["serve"]).log_format == SERVICE_FORMAT


def test_serve_flags_are_the_config_fields_with_their_defaults() -> None:
    """Every setting a user may change is a flag whose default and help come from MonitorConfig."""
    from dataclasses import fields

    from babblefish_monitor.__main__ import build_parser
    from babblefish_monitor.config import MonitorConfig
    from babblefish_monitor.serve_cli import config_flags, config_from_args, flag_name

    internal = {"send_queue_size", "block_seconds"}  # tuning knobs, not user settings
    flagged = {f.name for f in config_flags()}
    assert flagged == {f.name for f in fields(MonitorConfig)} - internal
    assert config_from_args(build_parser().parse_args(["serve"])) == MonitorConfig()
    changed = build_parser().parse_args(["serve", "--model", "m", "--port", "1", "--no-zeroconf"])
    assert config_from_args(changed) == MonitorConfig(model_dir=Path("m"), port=1, zeroconf=False)
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    for action in serve._actions:
        if action.dest in flagged:
            assert action.option_strings[0] == flag_name(
                next(f for f in config_flags() if f.name == action.dest)
            )
            assert action.help and action.help.endswith(")") and "(default: " in action.help
            assert action.help[0].isupper() and ". (default" in action.help, action.help
