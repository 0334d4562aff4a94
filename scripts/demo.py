"""`make demo`: the monitor on the bundled recording plus a real, ready-to-use Home Assistant."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
from pathlib import Path

import aiohttp

# The harness modules sit beside this script; `python scripts/demo.py` puts them on the path.
from ha_versions import CHOICES, HassVersion, HassVersionError, choose, current_problem
from hass_config import REPO, write_config
from hass_harness import Hass
from managed_process import ProcessError
from monitor_process import MonitorProcess
from stack_config import configure_home_assistant

DEMO_AUDIO = REPO / "demo" / "nursery_demo.flac"
USERNAME = "parent"
PASSWORD = "babblefish"


async def run_demo(workdir: Path, hass_port: int, monitor_port: int, version: HassVersion) -> None:
    """Start both, configure Home Assistant, and wait for Ctrl-C."""
    if workdir.exists():
        shutil.rmtree(workdir)  # every demo starts from a clean, freshly onboarded instance
    monitor = MonitorProcess(
        source=f"file:{DEMO_AUDIO}",
        data_dir=workdir / "monitor",
        port=monitor_port,
        token="demo-token",
        extra_args=("--loop", "--timezone", "UTC"),
    )
    hass = Hass(workdir / "homeassistant", hass_port, version)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with aiohttp.ClientSession() as session:
            print(
                "Starting the Babblefish monitor on the bundled nursery recording ...", flush=True
            )
            monitor.start()
            await monitor.wait_ready(session)
            print(f"Starting {version.description} ...", flush=True)
            write_config(hass.config_dir, port=hass_port)
            hass.start()
            await hass.wait_ready(session)
            await configure_home_assistant(
                hass,
                session,
                monitor_port=monitor_port,
                monitor_token=monitor.token,
                username=USERNAME,
                password=PASSWORD,
            )
            running = (await hass.rest(session, "GET", "/api/config"))["version"]
            print(
                "\nBabblefish demo is running.\n"
                f"  Home Assistant {running}: {hass.url}   login: {USERNAME} / {PASSWORD}\n"
                f"  Monitor API:    {monitor.url}/api/v1/state   (Authorization: Bearer {monitor.token})\n"
                "  The recording loops: talking, a cry at 0:26, dishes, a dog, a quieter cry at 1:23,\n"
                "  then a white-noise machine. Watch the Nursery dashboard and the night light.\n"
                "Press Ctrl-C to stop.",
                flush=True,
            )
            await stop.wait()
    except (ProcessError, RuntimeError) as err:
        print(f"\nThe demo could not start: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    finally:
        print("\nStopping ...", flush=True)
        hass.stop()
        monitor.stop()
        print(
            f"Stopped. Logs: {hass.log_path}, {hass.config_dir / 'home-assistant.log'} "
            f"and {monitor.log_path}."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=REPO / ".demo")
    parser.add_argument("--hass-port", type=int, default=8123)
    parser.add_argument("--monitor-port", type=int, default=8733)
    parser.add_argument(
        "--ha", choices=CHOICES, default="auto",
        help="current: today's release (root, a Python 3.14 chroot built on first use); minimum: "
        "2025.4.4 from the main environment; auto (default): current where this machine allows it",
    )  # fmt: skip
    args = parser.parse_args()
    if args.ha != "minimum" and current_problem() is None:
        print("Preparing the current Home Assistant (the first run builds it) ...", flush=True)
    try:
        version, fallback = choose(args.ha)
    except HassVersionError as err:
        raise SystemExit(f"make demo: {err}") from None
    if fallback:
        print(fallback, flush=True)
    asyncio.run(run_demo(args.workdir, args.hass_port, args.monitor_port, version))


if __name__ == "__main__":
    main()
