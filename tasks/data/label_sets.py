"""Two label sets of the same images in one folder: VOC .xml in `labels xml/` beside YOLO .txt in `labels/`, ...

Tools that export in several formats leave them side by side, and people keep both. `--format auto` reads
one (a dataset yaml first, then COCO, then VOC, then a YOLO class list: tasks/data/layouts.py), and a
finding must say so: which sets are there, where, which one is imported and how to take the other
(`--format`). Where both describe the same images, they are compared box by box (paired by class name and
IoU, tasks/data/box_agreement.py): how many images agree, which differ and by how much, since two
labellings that disagree mean one of them is wrong and only a person can tell which.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from tasks.core import Finding, InputError, Label
from tasks.data.box_agreement import describe_disagreement, pair_boxes
from tasks.data.layouts import class_lists, coco_files, dataset_yamls, inventory, voc_files
from tasks.data.source import SourceDataset, SourceItem
from tasks.data.validate_import import READERS

FORMAT_WORDS = {"yolo": "YOLO .txt", "voc": "VOC .xml", "coco": "COCO .json"}
SHOWN_FOLDERS = 3


@dataclass
class Agreement:
    """How two label sets compare on the images both describe."""

    common: int = 0
    differ: int = 0
    ious: list[float] | None = None  # of the paired boxes, over all common images
    only_used: int = 0  # boxes of the imported set that pair with none of the other's
    only_other: int = 0


def formats_present(source: Path, besides: str) -> list[str]:
    """Every label format other than `besides` whose files are in the folder (a YOLO set needs a yaml or a class
    list and .txt files); the format already read is not looked for again (VOC's look reads every .xml)."""
    found = inventory(source)
    looks = {
        "yolo": lambda: bool(dataset_yamls(found) or (class_lists(found) and found.txt)),
        "coco": lambda: bool(coco_files(found)),
        "voc": lambda: bool(voc_files(found)),
    }
    return [fmt for fmt, present in looks.items() if fmt != besides and present()]


def other_label_sets(source: Path, dataset: SourceDataset, min_iou: float) -> list[Finding]:
    """Findings naming each other label set in `source` and how far it agrees with the one imported."""
    if not source.is_dir():
        return []
    findings = []
    for fmt in formats_present(source, dataset.format):
        try:
            other = READERS[fmt](source)
        except InputError as exc:
            reason = f"a {FORMAT_WORDS[fmt]} label set is here too, but cannot be read: {exc.lines[0]}"
            findings.append(Finding(str(source), None, reason, "warning"))
            continue
        if any(item.label_file for item in other.items):
            findings += compare_sets(dataset, other, min_iou)
    return findings


def _where(dataset: SourceDataset) -> str:
    """'.xml in labels xml/ (3 images)': the folders of the set's annotation files."""
    folders = sorted({item.label_file.parent for item in dataset.items if item.label_file})
    named = [f"{f.relative_to(dataset.root).as_posix() if f != dataset.root else '.'}/" for f in folders]
    more = len(named) - SHOWN_FOLDERS
    shown = ", ".join(named[:SHOWN_FOLDERS]) + (f" and {more} more" if more > 0 else "")
    described = sum(1 for item in dataset.items if item.label_file)
    return f"{FORMAT_WORDS[dataset.format]} in {shown} ({described} images)"


def _in_names(labels: list[Label], theirs: list[str], names: list[str]) -> list[Label]:
    """The boxes with their class ids moved to `names` (extended with classes only the other set has)."""
    for name in theirs:
        if name not in names:
            names.append(name)
    return [Label(names.index(theirs[b.cls]), b.x, b.y, b.w, b.h) for b in labels if b.cls < len(theirs)]


def compare_sets(used: SourceDataset, other: SourceDataset, min_iou: float) -> list[Finding]:
    """A warning naming both sets, the one imported and their agreement; a warning per image whose boxes differ."""
    names = list(used.names)
    theirs = {item.image.resolve(): item for item in other.items if item.label_file}
    agreement, findings = Agreement(ious=[]), []
    for item in (i for i in used.items if i.label_file and i.image.resolve() in theirs):
        their_item = theirs[item.image.resolve()]
        mine, their_boxes = _in_names(item.labels, used.names, names), _in_names(their_item.labels, other.names, names)
        ious, only_mine, only_theirs = pair_boxes(mine, their_boxes)
        agreement.common += 1
        agreement.ious += ious
        agreement.only_used, agreement.only_other = agreement.only_used + only_mine, agreement.only_other + only_theirs
        if only_mine or only_theirs or any(v < min_iou for v in ious):
            agreement.differ += 1
            findings.append(_differs(item, their_item, used, other, describe_disagreement(mine, their_boxes, names)))
    return [_overview(used, other, agreement, min_iou), *findings]


def _differs(item: SourceItem, theirs: SourceItem, used: SourceDataset, other: SourceDataset, how: str) -> Finding:
    label = (
        theirs.label_file.relative_to(other.root) if theirs.label_file.is_relative_to(other.root) else theirs.label_file
    )
    reason = (
        f"the two label sets differ here: {used.format.upper()} (imported) vs {other.format.upper()} ({label}): {how}"
    )
    return Finding(str(item.image), None, reason, "warning")


def _overview(used: SourceDataset, other: SourceDataset, agreement: Agreement, min_iou: float) -> Finding:
    both = (
        f"two label sets here: {_where(used)}, imported, and {_where(other)}, not imported "
        f"(--format {other.format} imports that one instead)"
    )
    if not agreement.common:
        return Finding(str(used.root), None, f"{both}; they describe no image in common", "warning")
    ious = agreement.ious or []
    spread = (
        f"IoU of the paired boxes min {min(ious):.2f}, median {statistics.median(ious):.2f}" if ious else "no box pairs"
    )
    reason = (
        f"{both}. On the {agreement.common} images both describe: {agreement.common - agreement.differ} agree, "
        f"{agreement.differ} differ (a box unpaired or paired below IoU {min_iou:g}, imports.agreement_iou); {spread}; "
        f"boxes in one set only: {agreement.only_used} {used.format.upper()}, {agreement.only_other} "
        f"{other.format.upper()}"
    )
    return Finding(str(used.root), None, reason, "warning")
