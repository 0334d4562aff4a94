"""The panel's routes: nights, episodes, labels, clips, export and adaptation (docs/protocol.md)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta, tzinfo
from importlib.resources import files
from typing import Any, Protocol

from aiohttp import web

from babblefish_monitor.labels.errors import LabelError
from babblefish_monitor.labels.export import export_zip
from babblefish_monitor.labels.requests import parse_moment
from babblefish_monitor.labels.service import LabelService, MonitorView
from babblefish_monitor.labels.store import Label
from babblefish_monitor.tally import EpisodeRecord

from . import protocol

NIGHT_STARTS = time(12, 0)  # a night runs from noon to noon, so one sleep is never cut in two
MAX_NIGHTS = 60
_INGRESS_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")


class PanelHost(MonitorView, Protocol):
    """What the panel needs from the running monitor: what labelling needs, its labels, its info."""

    @property
    def labels(self) -> LabelService | None: ...

    def info(self) -> protocol.Info: ...


def night_of(moment: datetime) -> date:
    """The night a moment belongs to, named by the date of its evening."""
    day = moment.date()
    return day - timedelta(days=1) if moment.time() < NIGHT_STARTS else day


def night_bounds(night: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(night, NIGHT_STARTS, tz)
    return start, datetime.combine(night + timedelta(days=1), NIGHT_STARTS, tz)


def label_dict(label: Label, tz: tzinfo) -> dict[str, Any]:
    return {
        "id": label.id,
        "kind": label.kind,
        "episode_id": label.episode_id,
        "verdict": label.verdict,
        "what": label.what,
        "note": label.note,
        "at": label.at.astimezone(tz).isoformat(),
        "duration_s": round(label.duration_s, 2),
        "clip": label.clip is not None,
    }


def _error(err: LabelError) -> web.Response:
    return web.json_response(protocol.error_body(err.code, str(err)), status=err.status)


_Handler = Callable[["PanelRoutes", web.Request], Awaitable[web.StreamResponse]]


def _answers_label_errors(handler: _Handler) -> _Handler:
    """A route whose LabelError answers with its status and sentence instead of a traceback."""

    @functools.wraps(handler)
    async def route(routes: PanelRoutes, request: web.Request) -> web.StreamResponse:
        try:
            return await handler(routes, request)
        except LabelError as err:
            return _error(err)

    return route


def page(base: str, mode: str) -> str:
    """The panel as one HTML document (styles and script inline: one request, no external assets)."""
    static = files("babblefish_monitor.api") / "panel_static"
    html = (static / "index.html").read_text(encoding="utf-8")
    for name, text in (
        ("{{CSS}}", (static / "panel.css").read_text(encoding="utf-8")),
        ("{{JS}}", (static / "panel.js").read_text(encoding="utf-8")),
        ("{{BASE}}", base),
        ("{{MODE}}", mode),
    ):
        html = html.replace(name, text)
    return html


def ingress_base(request: web.Request) -> str:
    """The Supervisor's X-Ingress-Path, checked: it ends up in the page's URLs."""
    base = request.headers.get("X-Ingress-Path", "").rstrip("/")
    if not _INGRESS_PATH.match(base):
        raise web.HTTPBadRequest(text="X-Ingress-Path is not a plain URL path")
    return base


class PanelRoutes:
    """Handlers shared by the token-guarded API port and the ingress port."""

    def __init__(self, host: PanelHost) -> None:
        self.host = host

    def add_to(self, app: web.Application) -> None:
        p = protocol.API_PREFIX
        add = app.router
        add.add_get(f"{p}/nights", self.nights)
        add.add_get(f"{p}/night", self.night)
        add.add_get(f"{p}/episodes/{{episode_id:\\d+}}/clip", self.episode_clip)
        add.add_get(f"{p}/labels", self.list_labels)
        add.add_post(f"{p}/labels", self.add_label)
        add.add_delete(f"{p}/labels", self.delete_all)
        add.add_get(f"{p}/labels/export", self.export)
        add.add_delete(f"{p}/labels/{{label_id:\\d+}}", self.delete_label)
        add.add_get(f"{p}/labels/{{label_id:\\d+}}/clip", self.label_clip)
        add.add_get(f"{p}/adaptation", self.adaptation)
        add.add_post(f"{p}/adaptation", self.set_adaptation)

    def _labels(self) -> LabelService:
        if self.host.labels is None:
            raise LabelError("the monitor is still starting", 503, "starting")
        return self.host.labels

    def _episode(self, record: EpisodeRecord, labels: LabelService) -> dict[str, Any]:
        label = labels.store.for_episode(record.id)
        tz = self.host.tz
        return {
            "id": record.id,
            "start": record.start.astimezone(tz).isoformat(),
            "end": record.end.astimezone(tz).isoformat() if record.end else None,
            "duration_s": round(record.duration_s, 2),
            "peak_score": round(record.peak_score, 4),
            "clip": labels.episode_clip(record) is not None,
            "label": label_dict(label, tz) if label else None,
        }

    @_answers_label_errors
    async def nights(self, request: web.Request) -> web.Response:
        labels = self._labels()
        try:
            count = int(request.query.get("count", "14"))
        except ValueError:
            count = 0
        if not 1 <= count <= MAX_NIGHTS:
            raise LabelError(f"count must be an integer from 1 to {MAX_NIGHTS}")
        tonight = night_of(self.host.now())
        out = []
        for back in range(count):
            night = tonight - timedelta(days=back)
            episodes = self.host.tally.episodes_between(*night_bounds(night, self.host.tz))
            done = sum(labels.store.for_episode(e.id) is not None for e in episodes)
            out.append({"night": night.isoformat(), "episodes": len(episodes), "labelled": done})
        return web.json_response({"tonight": tonight.isoformat(), "nights": out})

    @_answers_label_errors
    async def night(self, request: web.Request) -> web.Response:
        labels = self._labels()
        raw = request.query.get("date")
        try:
            night = date.fromisoformat(raw) if raw else night_of(self.host.now())
        except ValueError:
            raise LabelError(f"date must be YYYY-MM-DD, got {raw!r}") from None
        start, end = night_bounds(night, self.host.tz)
        episodes = self.host.tally.episodes_between(start, end)
        model = self.host.info()["model"]
        missed = [
            label_dict(x, self.host.tz)
            for x in labels.store.all()
            if x.kind == "missed" and start <= x.at < end
        ]
        return web.json_response(
            {
                "night": night.isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "now": self.host.now().isoformat(),
                "labels": model["labels"],
                "cry_label": model["cry_label"],
                "clips": labels.clips_dir is not None,
                "episodes": [self._episode(e, labels) for e in episodes],
                "missed": missed,
                "timeline": labels.timeline.between(start, end),
                "adaptation": labels.adaptation(),
            }
        )

    @_answers_label_errors
    async def episode_clip(self, request: web.Request) -> web.StreamResponse:
        episode_id = int(request.match_info["episode_id"])
        labels = self._labels()
        record = self.host.tally.episode(episode_id)
        path = labels.episode_clip(record) if record else None
        if path is None:
            message = f"episode {episode_id} has no clip (clip recording off, or pruned)"
            raise LabelError(message, 404, "no_clip")
        return web.FileResponse(path, headers={"Content-Type": "audio/wav"})

    @_answers_label_errors
    async def list_labels(self, request: web.Request) -> web.Response:
        labels = self._labels()
        tz = self.host.tz
        return web.json_response({"labels": [label_dict(x, tz) for x in labels.store.all()]})

    @_answers_label_errors
    async def add_label(self, request: web.Request) -> web.Response:
        labels = self._labels()
        body = await _json_body(request)
        what, note = body.get("what"), body.get("note")
        if body.get("kind") == "missed":
            moment = parse_moment(body.get("at"), self.host.tz)
            label, message = labels.label_missed(moment, what, note)
        else:
            episode_id = body.get("episode_id")
            if isinstance(episode_id, bool) or not isinstance(episode_id, int):
                raise LabelError("episode_id must be an episode's integer id")
            label, message = labels.label_episode(episode_id, body.get("verdict"), what, note)
        await labels.relearn()
        return web.json_response(
            {
                "label": label_dict(label, self.host.tz),
                "message": message,
                "adaptation": labels.adaptation(),
            },
            status=201,
        )

    @_answers_label_errors
    async def delete_label(self, request: web.Request) -> web.Response:
        labels = self._labels()
        labels.delete(int(request.match_info["label_id"]))
        await labels.relearn()
        return web.json_response({"deleted": 1, "adaptation": labels.adaptation()})

    @_answers_label_errors
    async def delete_all(self, request: web.Request) -> web.Response:
        labels = self._labels()
        count = labels.delete_all()
        await labels.relearn()
        return web.json_response({"deleted": count, "adaptation": labels.adaptation()})

    @_answers_label_errors
    async def label_clip(self, request: web.Request) -> web.StreamResponse:
        label_id = int(request.match_info["label_id"])
        labels = self._labels()
        label = labels.store.get(label_id)
        path = labels.store.clip_path(label) if label else None
        if path is None or not path.is_file():
            raise LabelError(f"label {label_id} has no clip", 404, "no_clip")
        return web.FileResponse(path, headers={"Content-Type": "audio/flac"})

    @_answers_label_errors
    async def export(self, request: web.Request) -> web.Response:
        labels = self._labels()
        spec = self.host.info()["model"]
        data, _ = export_zip(labels.store, spec["cry_label"] or "crying")
        disposition = 'attachment; filename="babblefish-labels.zip"'
        return web.Response(
            body=data,
            content_type="application/zip",
            headers={"Content-Disposition": disposition},
        )

    @_answers_label_errors
    async def adaptation(self, request: web.Request) -> web.Response:
        return web.json_response(self._labels().adaptation())

    @_answers_label_errors
    async def set_adaptation(self, request: web.Request) -> web.Response:
        labels = self._labels()
        body = await _json_body(request)
        enabled = body.get("enabled")
        if not isinstance(enabled, bool):
            raise LabelError('send {"enabled": false} to undo, {"enabled": true} to re-apply')
        labels.set_enabled(enabled)
        return web.json_response(labels.adaptation())


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise LabelError(f"the body is not JSON: {err}") from err
    if not isinstance(body, dict):
        raise LabelError("the body must be a JSON object")
    return body
