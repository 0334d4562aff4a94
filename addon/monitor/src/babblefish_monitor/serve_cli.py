"""`babblefish-monitor serve`: flags -> MonitorConfig -> the running service, until a signal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import re
import signal
import sys
from dataclasses import Field, fields
from pathlib import Path
from typing import Any

from .api.protocol import API_PREFIX
from .audio.sources import SourceError
from .climate import ClimateError
from .config import ConfigError, MonitorConfig
from .factories import make_climate, make_pipeline, make_source
from .log_options import SERVICE_FORMAT, add_log_level
from .redact import install_log_filter, masked_token, redact
from .service import Monitor

_LOGGER = logging.getLogger(__name__)
EXIT_USAGE = 2


def config_flags() -> list[Field[Any]]:
    """The `MonitorConfig` fields that are `serve` flags (those with a help text)."""
    return [f for f in fields(MonitorConfig) if "help" in f.metadata]


def flag_name(config_field: Field[Any]) -> str:
    """The command-line spelling of a config field: `data_dir` -> `--data-dir`."""
    return str(config_field.metadata.get("flag", "--" + config_field.name.replace("_", "-")))


def _value_type(config_field: Field[Any]) -> type:
    annotation = str(config_field.type)
    for name, kind in (("Path", Path), ("int", int), ("float", float)):
        if re.search(rf"\b{name}\b", annotation):
            return kind
    return str


def _shown(default: object) -> str:
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return "on" if default else "off"
    return str(default)


def _add_flag(parser: argparse.ArgumentParser, config_field: Field[Any]) -> None:
    default = config_field.default
    shown = _shown(default)
    options: dict[str, Any] = {
        "dest": config_field.name,
        "default": default,
        "help": f"{config_field.metadata['help']} (default: {shown})",
    }
    if isinstance(default, bool):
        options["action"] = argparse.BooleanOptionalAction
    else:
        options["type"] = _value_type(config_field)
        if "metavar" in config_field.metadata:
            options["metavar"] = config_field.metadata["metavar"]
    parser.add_argument(flag_name(config_field), **options)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `serve` subcommand, one flag per `MonitorConfig` field, to the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="listen continuously and serve the API to Home Assistant",
        description="Listen to an audio source, detect crying and serve the v1 API.",
    )
    for config_field in config_flags():
        _add_flag(parser, config_field)
    add_log_level(parser, default=argparse.SUPPRESS)
    # A long-running service's log needs timestamps; main() configures logging with this.
    parser.set_defaults(handler=run, log_format=SERVICE_FORMAT)
    return parser


def config_from_args(args: argparse.Namespace) -> MonitorConfig:
    """The service config the parsed flags describe."""
    return MonitorConfig(**{f.name: getattr(args, f.name) for f in config_flags()})


def run(args: argparse.Namespace) -> int:
    """Run the monitor until a signal; returns the process exit status."""
    config = config_from_args(args)
    try:
        config.check()
        return asyncio.run(serve(config))
    except (ConfigError, ClimateError, SourceError) as err:
        print(f"babblefish-monitor serve: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # port in use, data dir not writable
        print(f"babblefish-monitor serve: {_os_error_message(err, config)}", file=sys.stderr)
        return EXIT_USAGE


def _os_error_message(err: OSError, config: MonitorConfig) -> str:
    if err.errno == errno.EADDRINUSE:
        return (
            f"port {config.port} on {config.host} is already in use (is another monitor "
            "running?); choose a free one with --port"
        )
    return str(err)


async def serve(config: MonitorConfig) -> int:
    """Start the service, say where it listens and where its token is, and wait for a signal."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    install_log_filter()  # source URLs from the very first line
    monitor = await Monitor.start(
        config,
        pipeline_factory=make_pipeline,
        source_factory=make_source,
        climate=make_climate(config),
    )
    try:
        token = monitor.identity.token
        install_log_filter((token,))
        print(
            f"babblefish monitor listening on http://{config.host}:{monitor.server.port}{API_PREFIX}/"
        )
        print(f"audio source: {redact(config.source)}")
        where = monitor.identity.token_path
        # Only a person at a terminal sees the token; a service's stdout is its log.
        print(f"API token: {token if sys.stdout.isatty() else masked_token(token)}")
        print(f"  ({'kept in ' + str(where) if where else 'given with --token'})", flush=True)
        await stop.wait()
        _LOGGER.info("stopping")
    finally:
        await monitor.stop()
    return 0
