"""Roboflow's copies of one photo: an export names every image `<photo>_<ext>.rf.<32 hex>.<ext>`.

With augmentation on, Roboflow writes each training photo several times (flipped,
rotated, re-exposed): different bytes, so no hash catches them, but the same photo.
The name tells, whatever the export format (COCO, YOLO, VOC). The copies get the photo
as their `group`: the manifest keeps it, prepare's re-split keeps a group in one split,
and copies of one photo in two splits are a leak.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from tasks.core import Finding
from tasks.data.source import SPLITS, SourceDataset, SourceItem

COPY_NAME = re.compile(r"^(?P<photo>.+)\.rf\.[0-9a-f]{32}$")


def photo_of(file_name: str) -> str | None:
    """The photo a Roboflow export's file was made from (`Clases0001_jpg`), or None for other names."""
    match = COPY_NAME.match(Path(file_name).stem)
    return match["photo"] if match else None


def _split_note(split: str, items: list[SourceItem], where: str) -> Finding:
    per_photo = Counter(item.group for item in items)
    shape = ", ".join(f"{photos} with {copies}" for copies, photos in sorted(Counter(per_photo.values()).items()))
    reason = (
        f"{split}: {len(items)} images are Roboflow exports of {len(per_photo)} photos "
        f"(copies per photo: {shape}; named <photo>.rf.<hash>): "
        + ("augmented copies of one photo, kept together when prepare re-splits" if len(items) > len(per_photo)
           else "one image per photo")
    )
    return Finding(where, None, reason, "note")


def mark_copies(dataset: SourceDataset) -> None:
    """Give each Roboflow-named image its photo as group; one note per split, an error per copy that leaks."""
    by_split: dict[str, list[SourceItem]] = defaultdict(list)
    for item in dataset.items:
        item.group = photo_of(item.image.name)
        if item.group:
            by_split[item.split].append(item)
    where = str(dataset.root)
    dataset.findings += [_split_note(s, by_split[s], where) for s in SPLITS if by_split.get(s)]
    first_split: dict[str, str] = {}
    for split in SPLITS:
        for item in by_split.get(split, []):
            seen = first_split.setdefault(item.group, split)
            if seen != split:
                reason = f"a Roboflow copy of photo {item.group}, which is also in {seen}: the photo leaks into {split}"
                item.findings.append(Finding(str(item.image), None, reason, "error"))
