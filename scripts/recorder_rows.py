"""Recorder rows per hour of each Babblefish entity while the demo runs (`make demo`'s stack).

    python scripts/recorder_rows.py --minutes 10

Starts the monitor on the looping demo recording and a real Home Assistant with the recorder, as
`make demo` does, lets it run, stops Home Assistant (which flushes the recorder) and counts the
`states` rows each Babblefish entity wrote in the measured window, and how many of them changed
the state itself (what the logbook shows), both scaled to one hour.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from demo_stack import running_stack
from hass_config import REPO

DEMO_AUDIO = REPO / "demo" / "nursery_demo.flac"


def count_rows(
    database: Path, entity_ids: dict[str, str], start: float, end: float
) -> dict[str, dict[str, float]]:
    """Rows and state changes per hour for each entity, between two Unix times."""
    hours = (end - start) / 3600
    result: dict[str, dict[str, float]] = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        for key, entity_id in sorted(entity_ids.items()):
            states = [
                row[0]
                for row in db.execute(
                    "SELECT s.state FROM states s JOIN states_meta m ON s.metadata_id = m.metadata_id"
                    " WHERE m.entity_id = ? AND s.last_updated_ts BETWEEN ? AND ?"
                    " ORDER BY s.last_updated_ts",
                    (entity_id, start, end),
                )
            ]
            changes = sum(1 for before, after in itertools.pairwise(states) if before != after)
            result[key] = {
                "rows_per_hour": round(len(states) / hours),
                "state_changes_per_hour": round(changes / hours),
            }
    return result


async def measure(workdir: Path, minutes: float) -> dict[str, object]:
    """Run the demo stack for `minutes` after setup and count what the recorder kept."""
    async with running_stack(
        workdir, f"file:{DEMO_AUDIO}", token="demo-token", username="parent",
        password="babblefish", extra_args=("--loop",), show_logs=False,
    ) as stack:  # fmt: skip
        start = time.time()
        await asyncio.sleep(minutes * 60)  # the measured stretch of demo time
        end = time.time()
    database = stack.hass.config_dir / "home-assistant_v2.db"
    return {"minutes": minutes, "entities": count_rows(database, stack.entities, start, end)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes", type=float, default=10.0, help="measured demo time (default 10)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(Path(tmp), args.minutes))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
