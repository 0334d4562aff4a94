"""The label store: schema migration, corruption kept aside, deletion, full disk, export layout."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from babblefish_monitor.labels.errors import LabelError, storage_errors
from babblefish_monitor.labels.export import export_zip
from babblefish_monitor.labels.schema import SCHEMA_VERSION
from babblefish_monitor.labels.store import LabelStore
from babblefish_training.dataset import scan_dataset

AT = datetime(2026, 12, 1, 2, 10, tzinfo=UTC)


def _v1_database(path: Path) -> None:
    """A label database as schema 1 wrote it, with one label."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE labels (
            id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, episode_id INTEGER UNIQUE,
            verdict TEXT NOT NULL, what TEXT, at_utc TEXT NOT NULL, duration_s REAL NOT NULL,
            peak_score REAL, clip TEXT, created_utc TEXT NOT NULL
        );
        INSERT INTO labels VALUES (1, 'episode', 7, 'not_crying', 'animal',
            '2026-11-30T23:00:00+00:00', 12.5, 0.97, NULL, '2026-12-01T07:00:00+00:00');
        """
    )
    db.commit()
    db.close()


def test_schema_1_database_is_upgraded_keeping_its_labels(tmp_path: Path) -> None:
    _v1_database(tmp_path / "labels.db")
    store = LabelStore(tmp_path)
    assert store.schema_version == SCHEMA_VERSION == 2
    [label] = store.all()
    assert (label.episode_id, label.verdict, label.what, label.note) == (
        7,
        "not_crying",
        "animal",
        None,
    )
    store.put_features("episode:7", np.ones((3, 5), np.float32))  # the table schema 2 added
    features = store.features("episode:7")
    assert features is not None and features.shape == (3, 5)
    store.close()
    assert LabelStore(tmp_path).schema_version == SCHEMA_VERSION  # reopening is a no-op


def test_corrupt_database_is_kept_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    (tmp_path / "labels.db").write_bytes(b"this is not sqlite" * 100)
    store = LabelStore(tmp_path)
    assert store.moved_aside is not None and store.moved_aside.read_bytes().startswith(b"this is")
    assert store.problem is not None and "moved aside" in store.problem
    assert store.all() == []
    store.add(kind="missed", verdict="crying", at=AT, duration_s=20)
    assert len(LabelStore(tmp_path).all()) == 1


def test_relabelling_an_episode_replaces_its_label_and_delete_removes_the_clip(
    tmp_path: Path,
) -> None:
    store = LabelStore(tmp_path)
    first = store.add(kind="episode", verdict="crying", at=AT, duration_s=9, episode_id=3)
    second = store.add(kind="episode", verdict="not_crying", at=AT, duration_s=9, episode_id=3)
    assert [x.id for x in store.all()] == [second.id] and first.id != second.id
    store.save_clip(second.id, np.zeros(16000, np.int16), 16000)
    clip = tmp_path / "label_clips" / f"label-{second.id}.flac"
    assert clip.is_file()
    assert store.delete(second.id) and not clip.exists()
    assert not store.delete(second.id)


def test_full_disk_is_a_clear_error() -> None:
    with pytest.raises(LabelError) as caught, storage_errors("save the label"):
        raise sqlite3.OperationalError("database or disk is full")
    assert caught.value.status == 507 and "disk is full" in str(caught.value)


def test_export_is_the_folder_per_label_layout_training_reads(tmp_path: Path) -> None:
    store = LabelStore(tmp_path / "data")
    tone = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16)
    labels = [
        store.add(kind="episode", verdict="crying", at=AT, duration_s=5, episode_id=1),
        store.add(
            kind="episode", verdict="not_crying", at=AT, duration_s=5, episode_id=2, what="animal"
        ),
        store.add(kind="episode", verdict="not_crying", at=AT, duration_s=5, episode_id=3),
        store.add(kind="missed", verdict="crying", at=AT, duration_s=20),  # no audio kept
    ]
    for label in labels[:3]:
        store.save_clip(label.id, tone, 16000)
    data, packed = export_zip(store, "crying")
    assert packed == 3
    (tmp_path / "labels.zip").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "labels.zip") as archive:
        archive.extractall(tmp_path / "clips")
        assert "1 labels had no audio kept" in archive.read("README.txt").decode()
    refs = scan_dataset(tmp_path / "clips")
    assert sorted((r.folder, r.source) for r in refs) == [
        ("animal", "home"),
        ("crying", "home"),
        ("other", "home"),
    ]
    assert len({r.group_id for r in refs}) == 3


def test_an_unopenable_database_turns_labelling_off_without_failing(tmp_path: Path) -> None:
    (tmp_path / "labels.db").mkdir()  # what sqlite meets on a broken or full data folder
    store = LabelStore(tmp_path)
    assert store.unavailable and store.problem is not None and "cannot be opened" in store.problem
    with pytest.raises(LabelError) as caught:
        store.add(kind="missed", verdict="crying", at=AT, duration_s=20)
    assert caught.value.status == 503
    assert (tmp_path / "labels.db").is_dir()  # left alone
