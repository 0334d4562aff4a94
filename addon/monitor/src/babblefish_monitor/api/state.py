"""The monitor's live state and how it becomes the protocol's state, info and history objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from babblefish_monitor.audio.cascade import OpinionStatus
from babblefish_monitor.audio.model import ModelSpec
from babblefish_monitor.climate import DISABLED, ClimateReading
from babblefish_monitor.identity import Identity, monitor_version
from babblefish_monitor.redact import redact
from babblefish_monitor.tally import CryTally, EpisodeRecord, StorageState

from . import protocol


@dataclass
class LiveState:
    """Everything the state object reports that is not in the tally."""

    paused: bool = False
    sensitivity: float = 0.5
    crying: bool = False
    sound_class: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    rms_dbfs: float | None = None
    peak_dbfs: float | None = None
    climate: ClimateReading = DISABLED
    source_name: str = ""
    source_status: protocol.SourceStatus = "starting"
    source_error: str | None = None
    model_error: str | None = None
    labels_problem: str | None = None  # the label database's trouble at start, if any


def episode_dict(episode: EpisodeRecord, tz: tzinfo) -> protocol.Episode:
    """An episode in the protocol's shape, times in the monitor's zone."""
    end = episode.end
    return {
        "id": episode.id,
        "start": episode.start.astimezone(tz).isoformat(),
        "end": end.astimezone(tz).isoformat() if end else None,
        "duration_s": round(episode.duration_s, 2),
        "peak_score": round(episode.peak_score, 4),
    }


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def storage_dict(storage: StorageState, labels_problem: str | None) -> protocol.Storage:
    """How saving the tally (and labels) goes, for a repair issue: what is wrong, what is unsaved."""
    return {
        "status": storage.status,
        "error": storage.error,
        "unsaved_episodes": storage.unsaved_episodes,
        "unsaved_seconds": storage.unsaved_seconds,
        "moved_aside": storage.moved_aside.name if storage.moved_aside else None,
        "moved_reason": storage.moved_reason,
        "labels_problem": labels_problem,
    }


def build_state(live: LiveState, tally: CryTally, now: datetime) -> protocol.State:
    """The full state object at wall time `now` (aware, in the monitor's zone)."""
    today = tally.day_total(now.date())
    last = tally.last_episode()
    show_scores = not live.paused
    return {
        "crying": live.crying,
        "paused": live.paused,
        "sensitivity": live.sensitivity,
        "sound_class": live.sound_class if show_scores else None,
        "scores": {k: round(v, 4) for k, v in live.scores.items()} if show_scores else {},
        "sound_level": {"rms_dbfs": _round(live.rms_dbfs), "peak_dbfs": _round(live.peak_dbfs)},
        "day": today.day.isoformat(),
        "cry_seconds_today": round(today.cry_seconds, 1),
        "cry_minutes_today": round(today.cry_seconds / 60.0, 2),
        "episodes_today": today.episodes,
        "last_episode": episode_dict(last, tally.tz) if last else None,
        "climate": {
            "status": live.climate.status,
            "temperature_c": live.climate.temperature_c,
            "humidity_pct": live.climate.humidity_pct,
        },
        "source": {
            # Camera passwords in a source URL never leave the monitor (attributes, diagnostics).
            "name": redact(live.source_name),
            "status": live.source_status,
            "error": redact(live.source_error) if live.source_error else None,
        },
        "model_status": {
            "status": "error" if live.model_error else "ok",
            "error": live.model_error,
        },
        "storage": storage_dict(tally.storage, live.labels_problem),
        "updated_at": now.isoformat(),
    }


def build_info(
    identity: Identity, name: str, model: protocol.ModelInfo, *, climate: bool
) -> protocol.Info:
    """The info object: who the monitor is, its model, and what it can do."""
    capabilities = ["pause", "sensitivity", "sound_level", "history"]
    if climate:
        capabilities.insert(2, "climate")
    return {
        "device_id": identity.device_id,
        "name": name,
        "version": monitor_version(),
        "protocol_version": protocol.PROTOCOL_VERSION,
        "model": model,
        "capabilities": capabilities,
    }


def second_opinion_dict(status: OpinionStatus) -> protocol.SecondOpinion:
    """Whether a cascade's second model is being asked, and if it cannot be, why."""
    return {"status": status.status, "name": status.name, "reason": status.reason}


def build_model_info(
    spec: ModelSpec | None, error: str | None, opinion: OpinionStatus
) -> protocol.ModelInfo:
    """The info object's model part; labels empty when the model failed to load."""
    if spec is None or error:
        return {
            "name": spec.name if spec else None,
            "version": spec.version if spec else None,
            "labels": [],
            "cry_label": None,
            "threshold": None,
            "card": None,
            "error": error,
            "second_opinion": second_opinion_dict(opinion),
        }
    return {
        "name": spec.name,
        "version": spec.version,
        "labels": list(spec.labels),
        "cry_label": spec.cry_label,
        "threshold": spec.threshold,
        "card": spec.card,
        "error": None,
        "second_opinion": second_opinion_dict(opinion),
    }


def build_history(tally: CryTally, days: int, today: date) -> protocol.History:
    """The last `days` local days, oldest first, and their episodes, newest first."""
    totals, episodes = tally.history(days, today)
    return {
        "days": [
            {
                "day": d.day.isoformat(),
                "cry_seconds": round(d.cry_seconds, 1),
                "episodes": d.episodes,
            }
            for d in totals
        ],
        "episodes": [episode_dict(e, tally.tz) for e in episodes],
    }
