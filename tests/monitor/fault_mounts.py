"""Real storage faults for tests: a small tmpfs that fills up and can be remounted read-only."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


class SmallDisk:
    """A tmpfs of a few hundred kB mounted at `path` (root only); fill it, remount it, free it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ballast = path / "ballast.bin"

    def _mount(self, *options: str) -> None:
        subprocess.run(["mount", *options, str(self.path)], check=True, capture_output=True)

    def fill(self) -> None:
        """Write until the disk reports ENOSPC."""
        with self._ballast.open("ab") as handle:
            try:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
            except OSError:
                pass

    def free(self) -> None:
        self._ballast.unlink(missing_ok=True)

    def read_only(self) -> None:
        self._mount("-o", "remount,ro")

    def read_write(self) -> None:
        self._mount("-o", "remount,rw")


@contextmanager
def small_disk(path: Path, size: str = "512k") -> Iterator[SmallDisk]:
    """Mount a tmpfs at `path`; skips where mounting is not allowed (not root, no CAP_SYS_ADMIN)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        check=False,
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
