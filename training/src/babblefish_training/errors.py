"""The one exception type for mistakes a user can fix: the CLI prints it and exits with status 2."""

from __future__ import annotations


class TrainingError(Exception):
    """Bad input or options: a clear message, never a traceback."""
