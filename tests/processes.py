"""Child processes the tests start: asked to stop, then killed if they will not."""

from __future__ import annotations

import subprocess


def stop(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Terminate `process`; kill it if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
