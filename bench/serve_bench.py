"""`serve` on a real-time file source: CPU of one core, RSS, and cry onset -> cry_started latency.

    python bench/serve_bench.py --seconds 120                     # tone model + tone recording
    python bench/serve_bench.py --model DIR --wav night.flac --truth night.truth.json --seconds 600

Runs the real `babblefish-monitor serve` process, listens on its WebSocket like Home Assistant does,
and reads the process's CPU time and memory from /proc. Targets: <= 1 % of one core, <= 150 MB RSS,
median onset -> cry_started <= 1.5 s of stream time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "monitor"))
sys.path.insert(0, str(ROOT))
# Listening through the integration's own client measures what Home Assistant would receive.
from custom_components.babblefish.api import BabblefishClient  # noqa: E402
from custom_components.babblefish.models import CryEvent, Message, State  # noqa: E402
from custom_components.babblefish.protocol import EVENT_CRY_STARTED  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
WARMUP_S = 5.0


def tone_recording(path: Path, seconds: float) -> list[float]:
    """Quiet with an 8-s cry tone every 30 s (the tone model's 'crying'); returns the onsets."""
    from tone_model import CRY_HZ, quiet, tone

    audio = quiet(seconds, seed=1)
    onsets = [float(t) for t in np.arange(10.0, seconds - 12.0, 30.0)]
    for onset in onsets:
        start = int(onset * 16_000)
        cry = tone(CRY_HZ, 8.0, -25.0)
        audio[start : start + cry.size] = cry
    soundfile.write(str(path), audio, 16_000, subtype="PCM_16")
    return onsets


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    text = Path(f"/proc/{pid}/status").read_text()
    values = {k: int(re.search(rf"{k}:\s+(\d+)", text).group(1)) / 1024 for k in ("VmRSS", "VmHWM")}  # type: ignore[union-attr]
    return values["VmRSS"], values["VmHWM"]


async def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    if args.wav:
        wav, onsets = args.wav, [e["start"] for e in json.loads(args.truth.read_text())["episodes"]]
    else:
        wav, onsets = work / "bench.wav", tone_recording(work / "bench.wav", args.seconds + 5)
    if args.model is None:
        from tone_model import build

        args.model = build(work / "tone-model")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "babblefish_monitor", "serve", "--source", f"file:{wav}",
        "--model", str(args.model), "--host", "127.0.0.1", "--port", "0",
        "--data-dir", str(work / "data"), "--no-zeroconf", "--climate", "fake",
        "--log-level", "WARNING", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    text = ""
    while "API token" not in text:
        text += (await process.stdout.readline()).decode()
    port = int(re.search(r":(\d+)/api", text).group(1))  # type: ignore[union-attr]
    token = (work / "data" / "token").read_text().strip()
    started: list[CryEvent] = []
    states = 0

    def on_message(message: Message) -> None:
        nonlocal states
        states += isinstance(message, State)
        if isinstance(message, CryEvent) and message.event == EVENT_CRY_STARTED:
            started.append(message)

    async with aiohttp.ClientSession() as session:
        client = BabblefishClient("127.0.0.1", port, token, session=session)
        listener = asyncio.create_task(client.listen(on_message))
        # Measuring for a fixed stretch of wall time is the point here, not synchronisation.
        await asyncio.sleep(WARMUP_S)
        cpu0, wall0 = cpu_seconds(process.pid), time.monotonic()
        await asyncio.sleep(args.seconds - WARMUP_S)
        cpu = (cpu_seconds(process.pid) - cpu0) / (time.monotonic() - wall0)
        rss, hwm = memory_mb(process.pid)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    process.terminate()
    await process.wait()
    latencies = []
    for onset in [o for o in onsets if o < args.seconds - 5]:
        after = [e.stream_time - onset for e in started if e.stream_time >= onset]
        if after and after[0] < 10.0:
            latencies.append(min(after))
    return {
        "seconds": args.seconds,
        "cpu_pct_one_core": round(100 * cpu, 2),
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(hwm, 1),
        "state_pushes_per_s": round(states / args.seconds, 2),
        "onsets": len([o for o in onsets if o < args.seconds - 5]),
        "detected": len(latencies),
        "median_onset_latency_s": round(statistics.median(latencies), 2) if latencies else None,
        "max_onset_latency_s": round(max(latencies), 2) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--model", type=Path, default=None, help="default: the tone test model")
    parser.add_argument("--wav", type=Path, default=None, help="a recording (default: tone bench)")
    parser.add_argument("--truth", type=Path, default=None, help="make_night.py truth for --wav")
    args = parser.parse_args()
    if args.wav and not args.truth:
        parser.error("--wav needs --truth")
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(bench(args, Path(tmp)))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
