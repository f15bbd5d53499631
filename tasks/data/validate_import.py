"""`yoloop import`: read a foreign dataset and check every file before its copy is written (tasks/data/raw_copy.py).

Reading (tasks/data/read_*.py) only parses; here each image is decoded once (hash,
size, mode, EXIF), its boxes are matched to its upright pixels, duplicates are
found by content hash, and the policy decides: strict stops with every finding,
lenient quarantines the files at fault and goes on. The source is only read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core import InputError
from tasks.core import Finding, errors_in
from tasks.core import track
from tasks.data.box_agreement import describe_disagreement
from tasks.data.image_check import ImageCheck, inspect_image
from tasks.data.layouts import detect_format
from tasks.data.read_coco import read_coco
from tasks.data.read_voc import read_voc
from tasks.data.read_yolo import read_yolo_any
from tasks.data.roboflow import mark_copies
from tasks.data.source import POOL_SPLIT, SPLITS, SourceDataset, SourceItem, orient_label

READERS: dict[str, Callable[[Path], SourceDataset]] = {"yolo": read_yolo_any, "voc": read_voc, "coco": read_coco}


class ValidationFailed(InputError):
    """Strict policy: the input has errors; `findings` holds all of them (and the warnings and notes)."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__([str(f) for f in errors_in(findings)])


@dataclass
class CheckedImage:
    item: SourceItem
    check: ImageCheck
    findings: list[Finding] = field(default_factory=list)
    duplicate_of: CheckedImage | None = None  # same content, same split: kept once

    @property
    def ok(self) -> bool:
        return not errors_in(self.findings)


def read_source(source: Path, fmt: str = "auto") -> SourceDataset:
    if not source.exists():
        raise InputError(f"{source}: does not exist")
    fmt = detect_format(source) if fmt == "auto" else fmt
    if fmt not in READERS:
        raise InputError(f"--format {fmt}: expected auto, yolo, voc or coco")
    dataset = READERS[fmt](source)
    mark_copies(dataset)
    return dataset


def match_size(item: SourceItem, check: ImageCheck) -> list[Finding]:
    """Boxes must match the upright pixels: a VOC/COCO size that is the stored (unrotated) one means
    the boxes were measured on the stored pixels, so they turn with the image."""
    if item.stated_size is None or item.stated_size == (check.width, check.height):
        return []
    where = str(item.label_file)
    if check.orientation in (5, 6, 7, 8) and item.stated_size == (check.height, check.width):
        item.labels = [orient_label(label, check.orientation) for label in item.labels]
        reason = f"{item.name}: boxes measured on the stored pixels; turned with EXIF orientation {check.orientation}"
        return [Finding(where, None, reason, "note")]
    stated = "x".join(map(str, item.stated_size))
    reason = f"{item.name}: annotation says {stated} but the image is {check.width}x{check.height}"
    return [Finding(where, None, reason, "error")]


def check_item(item: SourceItem) -> CheckedImage:
    check = inspect_image(item.image)
    checked = CheckedImage(item, check, [*check.findings, *item.findings])
    if check.ok:
        checked.findings += match_size(item, check)
    if check.ok and item.split != POOL_SPLIT and not item.labels and not errors_in(item.findings):
        checked.findings.append(Finding(str(item.image), None, "no boxes: kept as a background image", "note"))
    return checked


def _disagreement(seen: CheckedImage, image: CheckedImage, names: list[str]) -> Finding | None:
    """Same bytes, different boxes: one picture labelled twice, and the labellings disagree."""
    if sorted(b.line() for b in seen.item.labels) == sorted(b.line() for b in image.item.labels):
        return None
    reason = (
        f"same picture as {seen.item.image.name} ({seen.item.split}) but their boxes disagree: "
        f"{describe_disagreement(seen.item.labels, image.item.labels, names)}; {seen.item.image.name}'s boxes kept"
    )
    return Finding(str(image.item.image), None, reason, "warning")


def mark_duplicates(images: list[CheckedImage], names: list[str] | None = None) -> None:
    """Same content twice: in one split it is kept once; in two splits it is a leak (an error on the later).
    When the copies' boxes differ, a finding of its own names both files and how far the boxes agree."""
    first: dict[str, CheckedImage] = {}
    order = {split: index for index, split in enumerate(SPLITS)}
    for image in sorted(images, key=lambda i: order.get(i.item.split, 9)):
        if not image.check.sha256 or not image.check.ok:
            continue
        seen = first.setdefault(image.check.sha256, image)
        if seen is image:
            continue
        where = str(image.item.image)
        disagreement = _disagreement(seen, image, names or [])
        image.findings += [disagreement] if disagreement else []
        if seen.item.split == image.item.split:
            image.duplicate_of = seen
            reason = f"same content as {seen.item.image.name} in {seen.item.split}; kept once"
            image.findings.append(Finding(where, None, reason, "warning"))
        else:
            reason = f"same content as {seen.item.image.name} in {seen.item.split}: leaks into {image.item.split}"
            image.findings.append(Finding(where, None, reason, "error"))


def validate(
    dataset: SourceDataset, progress: Callable[[int], None] | None = None, label: str = "import check"
) -> list[CheckedImage]:
    checked = []
    for index, item in enumerate(track(dataset.items, label)):
        checked.append(check_item(item))
        if progress:
            progress(index + 1)
    mark_duplicates(checked, dataset.names)
    return checked


def all_findings(dataset: SourceDataset, checked: list[CheckedImage]) -> list[Finding]:
    return [*dataset.findings, *(f for image in checked for f in image.findings)]
