"""The one exception type for mistakes a user can fix: the CLI prints it and exits with status 2."""

from __future__ import annotations

from pathlib import Path


class TrainingError(Exception):
    """Bad input or options: a clear message, never a traceback."""


def require_folder(path: Path, what: str, hint: str) -> None:
    """Raise TrainingError unless `path` is an existing folder, saying whether it is a file or missing.

    `what` names the argument (e.g. "--data"), `hint` says what the folder should hold.
    """
    if path.is_dir():
        return
    state = "is a file, not a folder" if path.exists() else "does not exist"
    raise TrainingError(f"{what} {path} {state}: {hint}")


def refuse_file(path: Path, what: str, hint: str) -> None:
    """Raise TrainingError when `path`, a folder to be written, already exists as a file."""
    if path.exists() and not path.is_dir():
        raise TrainingError(f"{what} {path} is a file, not a folder: {hint}")
