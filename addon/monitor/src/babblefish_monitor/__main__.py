"""`babblefish-monitor` command line: argparse -> the subcommand's run()."""

from __future__ import annotations

import argparse
import logging
import sys

from . import replay


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand."""
    parser = argparse.ArgumentParser(prog="babblefish-monitor", description=__doc__)
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    subparsers = parser.add_subparsers(dest="command", required=True)
    try:
        from .serve_cli import register as register_serve
    except ImportError:
        serve = subparsers.add_parser("serve", help="run the monitor (not available in this build)")
        serve.set_defaults(handler=_serve_missing)
    else:
        register_serve(subparsers)
    replay.register(subparsers)
    return parser


def _serve_missing(_args: argparse.Namespace) -> int:
    print("babblefish-monitor: serve is not available in this build", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
