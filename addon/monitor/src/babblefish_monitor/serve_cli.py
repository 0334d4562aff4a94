"""`babblefish-monitor serve`: flags -> MonitorConfig -> the running service, until a signal."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from .audio.sources import SourceError
from .climate import ClimateError
from .config import DEFAULT_PORT, ConfigError, MonitorConfig
from .factories import make_climate, make_pipeline, make_source
from .log_options import SERVICE_FORMAT, add_log_level
from .redact import install_log_filter, masked_token, redact
from .service import Monitor

_LOGGER = logging.getLogger(__name__)
EXIT_USAGE = 2


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add the `serve` subcommand to the CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="listen continuously and serve the API to Home Assistant",
        description="Listen to an audio source, detect crying and serve the v1 API.",
    )
    add = parser.add_argument
    add("--source", default="pulse", help="alsa:<dev>, pulse[:<src>], ffmpeg:<input>, file:<path>")
    add("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    add("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    add("--port", type=int, default=DEFAULT_PORT, help=f"API port (default {DEFAULT_PORT})")
    add("--data-dir", type=Path, default=Path("babblefish-data"), help="tally, token, device id")
    add("--token", default=None, help="API token (default: generated once, kept in the data dir)")
    add("--name", default="Nursery", help="the name Home Assistant shows (default Nursery)")
    add("--climate", default="none", help="dht22:<pin>, fake[:failure-rate] or none (default)")
    add("--timezone", default=None, help="IANA zone that decides 'today' (default: local)")
    add("--sensitivity", type=float, default=0.5, help="0..1, higher detects more (default 0.5)")
    add("--calibration-db", type=float, default=0.0, help="added to the sound level readings")
    add("--zeroconf", action=argparse.BooleanOptionalAction, default=True, help="advertise")
    add("--realtime", action=argparse.BooleanOptionalAction, default=True, help="pace files")
    add("--loop", action="store_true", help="replay a file source forever")
    add(
        "--record-clips",
        type=Path,
        default=None,
        metavar="DIR",
        help="opt-in: save each cry episode's audio as a WAV in DIR (default: never record)",
    )
    add_log_level(parser, default=argparse.SUPPRESS)
    # A long-running service's log needs timestamps; main() configures logging with this.
    parser.set_defaults(handler=run, log_format=SERVICE_FORMAT)
    return parser


def config_from_args(args: argparse.Namespace) -> MonitorConfig:
    """The service config the parsed flags describe."""
    return MonitorConfig(
        source=args.source,
        model_dir=args.model,
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        token=args.token,
        name=args.name,
        climate=args.climate,
        timezone=args.timezone,
        sensitivity=args.sensitivity,
        calibration_db=args.calibration_db,
        realtime=args.realtime,
        loop=args.loop,
        zeroconf=args.zeroconf,
        record_clips=args.record_clips,
    )


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
        print(f"babblefish-monitor serve: {err}", file=sys.stderr)
        return EXIT_USAGE


async def serve(config: MonitorConfig) -> int:
    """Start the service, say where it listens and where its token is, and wait for a signal."""
    monitor = Monitor(
        config,
        pipeline_factory=make_pipeline,
        source_factory=make_source,
        climate=make_climate(config),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    install_log_filter()  # source URLs from the very first line
    await monitor.start()
    try:
        assert monitor.server is not None and monitor.identity is not None
        token = monitor.identity.token
        install_log_filter((token,))
        print(f"babblefish monitor listening on http://{config.host}:{monitor.server.port}/api/v1/")
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
