"""The tally's memory: episodes and the cry seconds each puts on every local day, and the queries over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class EpisodeRecord:
    """One cry episode; `duration_s` comes from stream time, never from wall-clock differences."""

    id: int
    start: datetime  # aware
    duration_s: float
    peak_score: float
    ended: bool

    @property
    def end(self) -> datetime | None:
        return self.start + timedelta(seconds=self.duration_s) if self.ended else None


@dataclass(frozen=True)
class DayTotal:
    """Cry seconds and the number of episodes that cried on one local day."""

    day: date
    cry_seconds: float
    episodes: int


def split_by_day(start: datetime, duration_s: float, tz: tzinfo) -> list[tuple[date, float]]:
    """Seconds of [start, start + duration) that fall on each local day of `tz`."""
    cursor = start.astimezone(UTC)
    end = cursor + timedelta(seconds=max(0.0, duration_s))
    parts: list[tuple[date, float]] = []
    while True:
        local_day = cursor.astimezone(tz).date()
        midnight = datetime.combine(local_day + timedelta(days=1), datetime.min.time(), tz)
        boundary = min(end, midnight.astimezone(UTC))
        if boundary <= cursor:  # a zone whose midnight does not exist; never loop forever
            boundary = end
        parts.append((local_day, (boundary - cursor).total_seconds()))
        if boundary >= end:
            return parts
        cursor = boundary


class EpisodeLedger:
    """Episodes by id and their seconds per local day; answers every query without touching disk."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.episodes: dict[int, EpisodeRecord] = {}
        self.days_of: dict[int, dict[date, float]] = {}
        self.by_day: dict[date, dict[int, float]] = {}
        self.latest_ended: EpisodeRecord | None = None

    def clear(self) -> None:
        """Forget every episode."""
        self.episodes.clear()
        self.days_of.clear()
        self.by_day.clear()
        self.latest_ended = None

    def next_id(self) -> int:
        return max(self.episodes, default=0) + 1

    def put(self, episode: EpisodeRecord, stored_days: dict[date, float] | None) -> None:
        """Add or replace an episode; its days are split afresh unless the file gave them."""
        for day in self.days_of.pop(episode.id, {}):
            self.by_day.get(day, {}).pop(episode.id, None)
        if stored_days is None:
            stored_days = dict(split_by_day(episode.start, episode.duration_s, self.tz))
        self.days_of[episode.id] = stored_days
        for day, seconds in stored_days.items():
            self.by_day.setdefault(day, {})[episode.id] = seconds
        self.episodes[episode.id] = episode
        if episode.ended and (
            self.latest_ended is None or order(episode) >= order(self.latest_ended)
        ):
            self.latest_ended = episode

    def day_total(self, day: date) -> DayTotal:
        """Cry seconds and episodes on a local day, as far as the ledger has them."""
        parts = [s for s in self.by_day.get(day, {}).values() if s > 0]
        return DayTotal(day, float(sum(parts)), len(parts))

    def history(
        self, days: int, today: date, checkpoint: EpisodeRecord | None
    ) -> tuple[list[DayTotal], list[EpisodeRecord]]:
        """Day totals oldest first (zero days too) and the episodes touching them, newest first."""
        first = today - timedelta(days=days - 1)
        span = [first + timedelta(days=i) for i in range(days)]
        totals = [self.day_total(day) for day in span]
        ids = {i for day in span for i, s in self.by_day.get(day, {}).items() if s > 0}
        ended = [self.episodes[i] for i in ids if self.episodes[i].ended]
        episodes = sorted(ended, key=order, reverse=True)
        if checkpoint is not None:
            episodes.insert(0, checkpoint)
        return totals, episodes

    def between(self, start: datetime, end: datetime) -> list[EpisodeRecord]:
        """Ended episodes that began in [start, end), oldest first."""
        found = [e for e in self.episodes.values() if e.ended and start <= e.start < end]
        return sorted(found, key=order)


def order(episode: EpisodeRecord) -> tuple[datetime, int]:
    """Episodes sort by start, then id."""
    return episode.start, episode.id
