"""What a reader of a foreign dataset hands to the import validation, whatever the format was.

A reader (tasks/data/read_yolo.py, read_voc.py, read_coco.py,
read_unlabelled.py) only parses: it lists each image with its split, its boxes as YOLO
fractions and the findings about its annotation; the import validation
(tasks/data/validate_import.py) checks the pixels, and tasks/data/raw_copy.py writes the copy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core import Finding
from tasks.core import Label

SPLITS = ("train", "val", "test")
EDGE_PIXELS = 1.0  # exporters round boxes (Roboflow: 416.3 on a 416 image): clipping that much is only a note
POOL_SPLIT = "pool"  # the one split of an unlabelled import
FORMATS = ("yolo", "voc", "coco")


@dataclass
class SourceItem:
    """One image of the source: where it is, its split, its boxes and what is wrong with them."""

    split: str
    image: Path
    name: str  # file name (relative) under images/<split>/ in the copy
    labels: list[Label] = field(default_factory=list)
    label_file: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    stated_size: tuple[int, int] | None = None  # width, height written in the annotation (VOC, COCO)
    split_named: bool = True  # False: no listing or folder name gave the split (taken as train)
    origin: str | None = None  # where it came from when not a file of the source (a video frame)
    group: str | None = None  # copies of one photo (Roboflow's augmentations) share a group


@dataclass
class SourceDataset:
    root: Path
    format: str
    names: list[str]
    items: list[SourceItem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # about the dataset: yaml, folders, orphans
    declared: dict[str, str] = field(default_factory=dict)  # split -> where the source names it (yaml key, listing)

    def declared_splits(self) -> dict[str, str]:
        """Every split the source names or puts an image in, and what says so (a yaml key, a listing, a folder)."""
        named = dict(self.declared)
        for item in self.items:
            named.setdefault(item.split, "its folder's name" if item.split_named else "no split named: taken as train")
        return {split: named[split] for split in SPLITS if split in named}


def unsplit_notes(items: list[SourceItem]) -> list[Finding]:
    """One note per folder whose images no listing or folder name put in a split (all taken as train)."""
    folders = Counter(item.image.parent for item in items if not item.split_named)
    return [
        Finding(
            str(folder),
            None,
            f"{count} images in no split (no split listing, no split folder name); taken as train",
            "note",
        )
        for folder, count in sorted(folders.items())
    ]


def orient_label(label: Label, orientation: int) -> Label:
    """A box measured on the stored pixels, moved to where it lies once the image is turned upright (EXIF)."""
    x, y, w, h = label.x, label.y, label.w, label.h
    moved = {
        2: (1 - x, y, w, h),
        3: (1 - x, 1 - y, w, h),
        4: (x, 1 - y, w, h),
        5: (y, x, h, w),
        6: (1 - y, x, h, w),
        7: (1 - y, 1 - x, h, w),
        8: (y, 1 - x, h, w),
    }.get(orientation, (x, y, w, h))
    return Label(label.cls, *moved)


def pixel_box_to_label(
    cls: int, box: tuple[float, float, float, float], size: tuple[int, int], where: tuple[str, int | None]
) -> tuple[Label | None, list[Finding]]:
    """x0, y0, x1, y1 in pixels to YOLO fractions; zero-area boxes are errors, boxes past the edge are clipped."""
    x0, y0, x1, y1 = box
    width, height = size
    if x1 <= x0 or y1 <= y0:
        return None, [Finding(*where, f"box has zero or negative area ({x0:g},{y0:g})-({x1:g},{y1:g})", "error")]
    found = []
    overshoot = max(-x0, -y0, x1 - width, y1 - height)
    if overshoot > 0:
        reason = f"box ({x0:g},{y0:g})-({x1:g},{y1:g}) past the {width}x{height} image"
        severity = "note" if overshoot <= EDGE_PIXELS else "warning"
        found.append(
            Finding(
                *where,
                reason + (" by under a pixel (rounding); clipped" if severity == "note" else "; clipped"),
                severity,
            )
        )
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if x1 <= x0 or y1 <= y0:
            return None, [Finding(*where, "box lies entirely outside the image", "error")]
    return Label.from_corners(cls, x0, y0, x1, y1, width, height), found
