"""The add-on image, built from addon/Dockerfile and started for real, on amd64 and (emulated) aarch64.

The base is a local stand-in for Home Assistant's Debian base (tests/addon/standin/ says what it
fakes); everything above it (the Dockerfile, the wheels, the s6 scripts, the monitor) is the shipped
add-on. Figures (build time, image size, emulated real-time factor) go to bench/out/addon_image.json.
Skipped only when no Docker engine answers (scripts/docker_engine.sh starts one; .ci/run calls it).
"""

from __future__ import annotations

import asyncio
import json
import platform
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
import soundfile as sf
import yaml
from aiohttp import web
from image_harness import (
    EMULATED_CPU,
    ROOT,
    BuiltImage,
    Container,
    build_addon,
    docker,
    emulation_problem,
    engine_problem,
    record,
)

pytestmark = pytest.mark.slow
DEMO = ROOT / "demo" / "nursery_demo.flac"
DEFAULT_MODEL = json.loads(
    (ROOT / "addon/monitor/src/babblefish_monitor/models/default/model.json").read_text()
)
# The demo's first cry runs from 26 s to 46 s: a clip around it gives a whole episode in real time.
CRY_CLIP_S = (23.0, 50.0)
# The monitor stops when a file source ends; the served clip goes on in silence so the container is
# still running when the test stops it.
SILENCE_AFTER_S = 90.0


def free_port() -> int:
    """A TCP port nobody listens on (asked from a child: the test plugin blocks sockets here)."""
    probe = (
        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
    )
    return int(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout
    )


def image_for(arch: str) -> BuiltImage:
    problem = engine_problem() or emulation_problem(arch)
    if problem:
        pytest.skip(problem)
    return build_addon(arch)


@pytest.fixture(scope="module")
def amd64_image() -> BuiltImage:
    return image_for("amd64")


@pytest.fixture(scope="module")
def aarch64_image() -> BuiltImage:
    return image_for("aarch64")


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/share inside the container: a 27-s clip of the demo night with one whole cry in it
    (cry.flac), and the same followed by silence (cry-then-quiet.flac)."""
    folder = tmp_path_factory.mktemp("share")
    audio, rate = sf.read(DEMO, dtype="float32")
    start, end = (int(s * rate) for s in CRY_CLIP_S)
    clip = np.ascontiguousarray(audio[start:end])
    sf.write(folder / "cry.flac", clip, rate)
    silence = np.zeros((int(SILENCE_AFTER_S * rate), *clip.shape[1:]), dtype=np.float32)
    sf.write(folder / "cry-then-quiet.flac", np.concatenate([clip, silence]), rate)
    return folder


def add_on_options(**changes: Any) -> dict[str, Any]:
    """The options the Supervisor writes to /data/options.json: config.yaml's defaults, changed."""
    config = yaml.safe_load((ROOT / "addon" / "config.yaml").read_text(encoding="utf-8"))
    return {**config["options"], **changes}


@pytest.fixture
def container(request: pytest.FixtureRequest) -> Iterator[Container]:
    box = Container(f"babblefish-test-{re.sub(r'[^a-z0-9]+', '-', request.node.name.lower())}")
    yield box
    box.remove()


@pytest.fixture
async def supervisor(socket_enabled: None) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A stand-in Supervisor API on the host that records the discovery messages it receives."""
    received: list[dict[str, Any]] = []

    async def discovery(request: web.Request) -> web.Response:
        assert request.headers["Authorization"] == "Bearer test-supervisor-token"
        received.append(await request.json())
        return web.json_response({"result": "ok", "data": {"uuid": "0123abcd"}})

    app = web.Application()
    app.router.add_post("/discovery", discovery)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


def start_add_on(
    box: Container, image: BuiltImage, data: Path, share: Path, port: int, **env: str
) -> None:
    """Run the image as the Supervisor does: /init, /data with options.json, /share, the API port."""
    variables = {"BABBLEFISH_API_PORT": str(port), "TZ": "Europe/London", **env}
    flags = [*image.run_options, "-v", f"{data}:/data", "-v", f"{share}:/share:ro"]
    for key, value in variables.items():
        flags += ["-e", f"{key}={value}"]
    box.run(image.tag, options=flags)


async def wait_healthy(
    session: aiohttp.ClientSession, box: Container, port: int, timeout: float
) -> None:
    """Poll the health route (the Supervisor's watchdog does the same) until it answers 200."""
    url = f"http://127.0.0.1:{port}/api/v1/health"
    async with asyncio.timeout(timeout):
        while True:
            assert box.running(), f"the container stopped:\n{box.logs()[-3000:]}"
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.5)


async def cry_events(
    session: aiohttp.ClientSession, port: int, token: str, timeout: float
) -> list[str]:
    """Listen on the WebSocket until a cry has started and ended; the event names in order."""
    names: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        session.ws_connect(f"http://127.0.0.1:{port}/api/v1/ws", headers=headers) as ws,
        asyncio.timeout(timeout),
    ):
        async for msg in ws:
            message = json.loads(msg.data)
            if message["type"] == "event":
                names.append(message["event"])
                if message["event"] == "cry_ended":
                    return names
    return names


async def test_amd64_add_on_serves_detects_and_stops_cleanly(
    amd64_image: BuiltImage, container: Container, share: Path, tmp_path: Path,
    supervisor: tuple[str, list[dict[str, Any]]],
) -> None:  # fmt: skip
    data = tmp_path / "data"
    data.mkdir()
    (data / "options.json").write_text(
        json.dumps(add_on_options(audio_source="file:/share/cry-then-quiet.flac"))
    )
    port, ingress_port = free_port(), free_port()
    supervisor_url, discovered = supervisor
    # The container shares the host's network, so the panel's port is a free one too.
    start_add_on(container, amd64_image, data, share, port,
                 SUPERVISOR_API=supervisor_url, SUPERVISOR_TOKEN="test-supervisor-token",
                 BABBLEFISH_INGRESS_PORT=str(ingress_port))  # fmt: skip
    async with aiohttp.ClientSession() as session:
        await wait_healthy(session, container, port, timeout=120)

        # s6 supervises the monitor, started with the flags the run script maps the options to
        # (jq, which bashio reads options with, prints the option 0.0 as 0).
        monitor = [line for line in container.processes() if "babblefish-monitor serve" in line]
        assert len(monitor) == 1, container.processes()
        expected = (f"--source file:/share/cry-then-quiet.flac --host 0.0.0.0 --port {port} "
                    f"--ingress-port {ingress_port} --data-dir /data "
                    "--name Nursery --sensitivity 0.5 --calibration-db 0 --log-level INFO --no-zeroconf "
                    "--climate none --timezone Europe/London")  # fmt: skip
        assert expected in monitor[0]
        assert any(line.startswith("s6-supervise babblefish") for line in container.processes())

        token = (data / "token").read_text().strip()
        async with session.get(f"http://127.0.0.1:{port}/api/v1/info",
                               headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
            info = await response.json()
        assert (info["model"]["name"], info["model"]["version"]) == (
            DEFAULT_MODEL["name"], DEFAULT_MODEL["version"])  # fmt: skip
        assert info["model"]["error"] is None

        assert await cry_events(session, port, token, timeout=90) == ["cry_started", "cry_ended"]

    # The discovery oneshot told the (stand-in) Supervisor where the API is and its token.
    assert discovered == [{"service": "babblefish",
                           "config": {"host": discovered[0]["config"]["host"], "port": port, "token": token}}]  # fmt: skip

    exit_code = container.stop(timeout_s=30)
    logs = container.logs()
    # s6 passed SIGTERM on; the monitor stopped by itself (exit 0, not killed), so the finish script
    # leaves the container's exit code at 0.
    assert "babblefish_monitor.serve_cli: stopping" in logs, logs[-3000:]
    assert "babblefish-monitor exited with code 0 (by signal 0)" in logs, logs[-3000:]
    assert exit_code == 0, logs[-3000:]
    with sqlite3.connect(data / "tally.db") as db:
        episodes = db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
    assert episodes == 1


def test_aarch64_image_builds_and_runs_the_monitor_cli(aarch64_image: BuiltImage) -> None:
    run = ["run", "--rm", *aarch64_image.run_options, "--entrypoint"]
    uname = docker(*run, "uname", aarch64_image.tag, "-m").stdout.strip()
    assert uname == "aarch64"
    help_text = docker(*run, "babblefish-monitor", aarch64_image.tag, "serve", "--help",
                       timeout=300).stdout  # fmt: skip
    assert "--source" in help_text


# Under qemu-user (image_harness.emulation_options says what it takes): slow, and not a Pi figure.
async def test_aarch64_add_on_serves_under_emulation(
    aarch64_image: BuiltImage,
    container: Container,
    share: Path,
    tmp_path: Path,
    socket_enabled: None,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "options.json").write_text(
        json.dumps(add_on_options(audio_source="file:/share/cry-then-quiet.flac"))
    )
    port = free_port()
    start_add_on(container, aarch64_image, data, share, port)
    async with aiohttp.ClientSession() as session:
        await wait_healthy(session, container, port, timeout=180)
        token = (data / "token").read_text().strip()
        async with session.get(f"http://127.0.0.1:{port}/api/v1/info",
                               headers={"Authorization": f"Bearer {token}"}) as response:  # fmt: skip
            assert (await response.json())["model"]["name"] == DEFAULT_MODEL["name"]
    assert container.stop(timeout_s=60) == 0, container.logs()[-3000:]


def test_aarch64_replay_with_the_default_model_under_emulation(
    aarch64_image: BuiltImage, share: Path
) -> None:
    replay = docker(
        "run", "--rm", *aarch64_image.run_options, "--network", "none", "-v", f"{share}:/share:ro", "--entrypoint",
        "babblefish-monitor", aarch64_image.tag, "replay", "/share/cry.flac", "--events-out", "/tmp/events.jsonl",
        timeout=180,
    )  # fmt: skip
    assert "episodes: 1" in replay.stdout, replay.stdout
    factor = float(re.search(r"real-time factor: (\d+)x", replay.stdout).group(1))  # type: ignore[union-attr]
    # Under qemu on an x86 machine: not what a Raspberry Pi does.
    record("aarch64_emulated_replay", {"realtime_factor": factor, "audio_seconds": CRY_CLIP_S[1] - CRY_CLIP_S[0],
                                       "note": f"qemu-user ({EMULATED_CPU}) on {platform.machine()}, not a Raspberry Pi figure"})  # fmt: skip
