"""`babblefish-monitor` command line: argparse -> the subcommand's run()."""

from __future__ import annotations

import argparse
import logging
import sys

from . import replay, serve_cli
from .log_options import PLAIN_FORMAT, add_log_level


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="babblefish-monitor", description=__doc__)
    add_log_level(parser, default="INFO")
    subparsers = parser.add_subparsers(dest="command", required=True)
    serve_cli.register(subparsers)
    replay.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, format=getattr(args, "log_format", PLAIN_FORMAT))
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
