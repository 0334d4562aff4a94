"""The parent's labels as a zip in the folder-per-label layout `babblefish-train train --data` reads."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from .store import Label, LabelStore

OTHER = "other"
README = """Babblefish labels exported from the monitor.

One folder per label, as `babblefish-train train --data` reads them:
  unzip babblefish-labels.zip -d my-clips/
  babblefish-train train --data my-clips/ --data <the shared data> --out my-model/ \\
      --labels {labels} --quiet-label quiet
"crying" holds the cries you confirmed or marked as missed; every other folder holds false
alarms, sorted by what you said they were ("{other}" when you did not say).
manifest.csv gives each clip its own recording group, so validation never splits one.
{skipped}
"""


def folder_for(label: Label, cry_label: str) -> str:
    """The training label a verdict trains."""
    if label.verdict == "crying":
        return cry_label
    return label.what if label.what and label.what != cry_label else OTHER


def export_zip(store: LabelStore, cry_label: str) -> tuple[bytes, int]:
    """The zip's bytes and how many clips it holds; labels without audio are listed, not packed."""
    buffer = io.BytesIO()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(["path", "label", "group_id", "source", "notes"])
    folders: set[str] = set()
    skipped = 0
    packed = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for label in store.all():
            path = store.clip_path(label)
            if path is None or not path.is_file():
                skipped += 1
                continue
            folder = folder_for(label, cry_label)
            name = f"{folder}/{Path(path).name}"
            archive.write(path, name)
            folders.add(folder)
            writer.writerow([name, folder, f"home:{label.id}", "home", label.note or ""])
            packed += 1
        archive.writestr("manifest.csv", manifest.getvalue())
        note = f"{skipped} labels had no audio kept (clip recording off) and are not here.\n"
        archive.writestr(
            "README.txt",
            README.format(
                labels=",".join(sorted(folders | {cry_label})),
                other=OTHER,
                skipped=note if skipped else "",
            ),
        )
    return buffer.getvalue(), packed
