"""The `--log-level` option, shared by the top-level parser and the subcommands."""

from __future__ import annotations

import argparse

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
PLAIN_FORMAT = "%(levelname)s %(name)s: %(message)s"
SERVICE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def add_log_level(parser: argparse.ArgumentParser, default: str) -> None:
    """`--log-level`; a subcommand passes argparse.SUPPRESS so its absent flag does not
    overwrite a level given before the subcommand."""
    parser.add_argument(
        "--log-level",
        default=default,
        type=str.upper,
        choices=LOG_LEVELS,
        help="How much to log. (default: INFO)",
    )
