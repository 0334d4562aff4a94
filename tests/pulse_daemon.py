"""A private PulseAudio daemon with a null sink: a real capture device on a box with no sound card."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import stop

PULSE_TOOLS = ("pulseaudio", "parec", "pacat", "pactl")
SINK = "babblefish_test"


def pulse_missing() -> str | None:
    """Why a PulseAudio test cannot run here, or None when it can."""
    absent = [tool for tool in PULSE_TOOLS if shutil.which(tool) is None]
    if absent:
        return f"{', '.join(absent)} not installed (Debian: pulseaudio, pulseaudio-utils; .ci/run installs them)"
    return None


@contextmanager
def pulse_null_sink(workdir: Path, sink: str = SINK) -> Iterator[dict[str, str]]:
    """Run the daemon; yields the environment a client (parec, pacat, the monitor) needs to reach it.

    Capture from `<sink>.monitor`, play into `<sink>`.
    """
    runtime = workdir / "pulse"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    socket_path = runtime / "native"
    env = dict(
        os.environ, HOME=str(workdir), XDG_RUNTIME_DIR=str(workdir), PULSE_RUNTIME_PATH=str(runtime)
    )
    daemon = subprocess.Popen(
        ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes",
         "--use-pid-file=no", "--log-target=stderr",
         "-L", f"module-native-protocol-unix auth-anonymous=1 socket={socket_path}",
         "-L", f"module-null-sink sink_name={sink} rate=16000 channels=1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    client_env = dict(env, PULSE_SERVER=f"unix:{socket_path}")
    try:
        deadline = time.monotonic() + 15
        while subprocess.run(
            ["pactl", "info"], env=client_env, capture_output=True, check=False
        ).returncode:
            if daemon.poll() is not None or time.monotonic() > deadline:
                err = daemon.stderr.read().decode() if daemon.stderr else ""
                raise RuntimeError(f"pulseaudio did not come up: {err[-2000:]}")
            time.sleep(0.05)  # polling a condition (the daemon answering), with a deadline
        yield client_env
    finally:
        stop(daemon, 5)
