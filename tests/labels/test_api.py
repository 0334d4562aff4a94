"""The label routes against a real monitor that replayed the demo night."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import aiohttp
import soundfile as sf
from babblefish_training.dataset import scan_dataset

from tests.labels.helpers import replayed_night


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _get(session: aiohttp.ClientSession, url: str, token: str) -> Any:
    async with session.get(url, headers=_auth(token)) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def _post(session: aiohttp.ClientSession, url: str, token: str, body: Any) -> tuple[int, Any]:
    async with session.post(url, headers=_auth(token), json=body) as resp:
        return resp.status, await resp.json()


async def test_labels_write_through_the_api_and_survive_a_restart(tmp_path: Path) -> None:
    async with replayed_night(tmp_path) as mon, aiohttp.ClientSession() as session:
        api = f"{mon.url}/api/v1"
        async with session.get(f"{api}/night") as resp:
            assert resp.status == 401  # the panel's data needs the token like every route
        night = await _get(session, f"{api}/night", mon.token)
        assert night["night"] == "2026-11-30" and night["clips"] is True
        assert len(night["episodes"]) == 2 and all(e["clip"] for e in night["episodes"])
        assert len(night["timeline"]) >= 10  # the 2-minute replay, in 10-s buckets
        assert {"white_noise", "talking"} & {r["sound_class"] for r in night["timeline"]}
        first, second = night["episodes"]

        async with session.get(
            f"{api}/episodes/{first['id']}/clip", headers=_auth(mon.token)
        ) as resp:
            assert resp.status == 200 and resp.content_type == "audio/wav"
            audio, rate = sf.read(io.BytesIO(await resp.read()))
        assert rate == 16000 and len(audio) / rate >= first["duration_s"]

        status, body = await _post(
            session, f"{api}/labels", mon.token, {"episode_id": first["id"], "verdict": "crying"}
        )
        assert status == 201 and body["label"]["clip"] and body["message"] is None
        status, body = await _post(
            session, f"{api}/labels", mon.token,
            {"episode_id": second["id"], "verdict": "not_crying", "what": "animal", "note": "the cat"},
        )  # fmt: skip
        assert status == 201 and body["label"]["what"] == "animal"
        assert body["adaptation"]["labels"] == 2

        status, body = await _post(
            session, f"{api}/labels", mon.token, {"episode_id": 999, "verdict": "crying"}
        )
        assert status == 404 and "no cry episode 999" in body["message"]
        status, body = await _post(
            session,
            f"{api}/labels",
            mon.token,
            {"episode_id": first["id"], "verdict": "not_crying", "what": "dog"},
        )
        assert (
            status == 400
            and "unknown label 'dog'" in body["message"]
            and "animal" in body["message"]
        )
        status, body = await _post(
            session, f"{api}/labels", mon.token, {"episode_id": first["id"], "verdict": "maybe"}
        )
        assert status == 400 and "verdict" in body["message"]

        # A missed cry inside the last minutes keeps its audio; one from hours ago cannot.
        at = night["now"]
        status, body = await _post(
            session, f"{api}/labels", mon.token, {"kind": "missed", "at": at}
        )
        assert status == 201 and body["label"]["clip"] and body["message"] is None
        status, body = await _post(
            session,
            f"{api}/labels",
            mon.token,
            {"kind": "missed", "at": "2026-11-30T20:00:00+00:00"},
        )
        assert status == 201 and "no longer in memory" in body["message"]
        early = body["label"]["id"]
        async with session.delete(f"{api}/labels/{early}", headers=_auth(mon.token)) as resp:
            assert resp.status == 200
        async with session.delete(f"{api}/labels/{early}", headers=_auth(mon.token)) as resp:
            assert resp.status == 404

        async with session.get(f"{api}/labels/export", headers=_auth(mon.token)) as resp:
            assert resp.status == 200
            (tmp_path / "labels.zip").write_bytes(await resp.read())
    with zipfile.ZipFile(tmp_path / "labels.zip") as archive:
        archive.extractall(tmp_path / "exported")
    assert sorted(r.folder for r in scan_dataset(tmp_path / "exported")) == [
        "animal",
        "crying",
        "crying",
    ]

    async with replayed_night(tmp_path) as mon, aiohttp.ClientSession() as session:
        labels = (await _get(session, f"{mon.url}/api/v1/labels", mon.token))["labels"]
    assert [(x["kind"], x["verdict"], x["what"]) for x in labels] == [
        ("episode", "crying", None),
        ("episode", "not_crying", "animal"),
        ("missed", "crying", None),
    ]


async def test_a_corrupt_label_database_is_reported_and_the_tally_is_untouched(
    tmp_path: Path,
) -> None:
    async with replayed_night(tmp_path) as mon:
        before = mon.monitor.tally.history(2, mon.monitor.now().date())[1]
    (tmp_path / "labels.db").write_bytes(b"\x00garbage" * 512)
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"labels.db{suffix}").unlink(missing_ok=True)
    async with replayed_night(tmp_path) as mon, aiohttp.ClientSession() as session:
        adaptation = await _get(session, f"{mon.url}/api/v1/adaptation", mon.token)
        after = mon.monitor.tally.history(2, mon.monitor.now().date())[1]
    assert "moved aside" in adaptation["store_problem"]
    assert len(after) == 2 * len(before) == 4  # the earlier night's episodes are all still there
    assert list(tmp_path.glob("labels.db.corrupt-*"))


async def test_an_unreadable_clip_still_saves_the_label(tmp_path: Path) -> None:
    async with replayed_night(tmp_path) as mon, aiohttp.ClientSession() as session:
        night = await _get(session, f"{mon.url}/api/v1/night", mon.token)
        for clip in (tmp_path / "clips").glob("*.wav"):
            clip.write_bytes(b"RIFF not really")
        episode = night["episodes"][0]["id"]
        body = {"episode_id": episode, "verdict": "not_crying"}
        status, reply = await _post(session, f"{mon.url}/api/v1/labels", mon.token, body)
    assert status == 201 and reply["label"]["clip"] is False
    assert "could not be read" in reply["message"]
