"""The labelled sets of the label-audit benchmark, and the errors it plants in them.

neu-det (IMAGES/ + ANNOTATIONS/, Pascal VOC xml; Validation_* as the val split) and
playing-cards (LabelImg xml beside each image in images/train and images/test; test as the val
split) are read with yoloop's VOC reader (tasks/data/read_voc.py) through a folder of links that
gives them the VOC layout it expects (Annotations/, JPEGImages/); nothing is written beside the
data. The audited set is copied, with the planted labels, into a prepared-dataset layout.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from tasks.core import Label, PreparedDataset, write_card, write_labels
from tasks.data.box_agreement import iou

LAYOUTS = {  # dataset -> (audited images, their annotations), (val images, val annotations)
    "neu-det": (("IMAGES", "ANNOTATIONS"), ("Validation_Images", "Validation_Annotations")),
    "playing-cards": (("images/train", "images/train"), ("images/test", "images/test")),
}
KINDS = ("flip", "shift", "delete", "spurious")


@dataclass
class Item:
    image: Path
    labels: list[Label]


def read_split(source: Path, images: str, annotations: str, links: Path) -> tuple[list[str], list[Item]]:
    """Class names and items of one VOC-like folder pair, read by yoloop's VOC reader via links."""
    from tasks.data.read_voc import read_voc

    links.mkdir(parents=True)
    (links / "JPEGImages").symlink_to((source / images).resolve(), target_is_directory=True)
    (links / "Annotations").symlink_to((source / annotations).resolve(), target_is_directory=True)
    dataset = read_voc(links)
    return dataset.names, [Item(i.image, i.labels) for i in dataset.items if i.labels]


def read_dataset(source: Path, name: str, work: Path) -> tuple[list[str], list[Item], list[Item]]:
    """(names, audited items, val items), val labels mapped to the audited set's class list."""
    (images, annotations), (val_images, val_annotations) = LAYOUTS[name]
    names, items = read_split(source, images, annotations, work / "links-audited")
    val_names, val = read_split(source, val_images, val_annotations, work / "links-val")
    remap = {i: names.index(n) for i, n in enumerate(val_names) if n in names}
    val = [Item(v.image, [Label(remap[b.cls], b.x, b.y, b.w, b.h) for b in v.labels if b.cls in remap]) for v in val]
    return names, items, val


def shifted(box: Label, rng: random.Random, max_iou: float) -> Label | None:
    """The box moved, inside the image, to 0 < IoU < `max_iou` with where it was (None: no room to move)."""
    for _ in range(50):
        fx, fy = rng.choice([(1, 0), (0, 1), (1, 1)])
        step = rng.uniform(0.6, 0.95)
        x = box.x + fx * step * box.w * rng.choice([-1, 1])
        y = box.y + fy * step * box.h * rng.choice([-1, 1])
        moved = Label(box.cls, x, y, box.w, box.h)
        inside = box.w / 2 <= x <= 1 - box.w / 2 and box.h / 2 <= y <= 1 - box.h / 2
        if inside and 0 < iou(moved, box) < max_iou:
            return moved
    return None


def spurious_box(boxes: list[Label], sizes: list[tuple[float, float]], classes: int, rng: random.Random):
    """A box of a random class and a real box's size, overlapping no box of the image (None: no room)."""
    for _ in range(50):
        w, h = rng.choice(sizes)
        candidate = Label(rng.randrange(classes), rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2), w, h)
        if all(iou(candidate, b) == 0 for b in boxes):
            return candidate
    return None


@dataclass(frozen=True)
class Planted:
    """One planted error: its kind, image (index of the audited items), and where it is now."""

    kind: str
    image: int
    line: int | None  # the planted box's line in the written label file; None for a deleted box
    removed: Label | None = None  # a deleted box: the box that was there


def choose_boxes(items: list[Item], per_kind: int, rng: random.Random) -> dict[tuple[int, int], tuple[str, Label]]:
    """(image, line) -> (kind, new box) for flips, shifts and deletions, each box at most once."""
    classes = 1 + max(b.cls for item in items for b in item.labels)
    boxes = [(i, j) for i, item in enumerate(items) for j in range(len(item.labels))]
    rng.shuffle(boxes)
    chosen: dict[tuple[int, int], tuple[str, Label]] = {}
    wanted = {"flip": per_kind, "shift": per_kind, "delete": per_kind}
    for i, j in boxes:
        box = items[i].labels[j]
        kind = next((k for k in ("flip", "shift", "delete") if wanted[k]), None)
        if kind is None:
            break
        if kind == "flip":
            new = Label(rng.choice([c for c in range(classes) if c != box.cls]), box.x, box.y, box.w, box.h)
        else:
            new = shifted(box, rng, 0.3) if kind == "shift" else box
        if new is not None:
            chosen[(i, j)] = (kind, new)
            wanted[kind] -= 1
    return chosen


def plant_errors(items: list[Item], rate: float, seed: int) -> tuple[list[list[Label]], list[Planted]]:
    """Each image's labels with `rate` of all boxes made wrong (a quarter of them of each kind), and where."""
    rng = random.Random(seed)
    per_kind = max(1, round(rate * sum(len(item.labels) for item in items) / len(KINDS)))
    chosen = choose_boxes(items, per_kind, rng)
    labels: list[list[Label]] = []
    planted: list[Planted] = []
    for i, item in enumerate(items):
        rows: list[Label] = []
        for j, box in enumerate(item.labels):
            kind, new = chosen.get((i, j), (None, box))
            if kind == "delete":
                planted.append(Planted("delete", i, None, box))
                continue
            rows.append(new)
            if kind:
                planted.append(Planted(kind, i, len(rows) - 1))
        labels.append(rows)
    sizes = [(b.w, b.h) for item in items for b in item.labels]
    classes = 1 + max(b.cls for item in items for b in item.labels)
    for _ in range(per_kind):
        for _attempt in range(20):
            i = rng.randrange(len(items))
            extra = spurious_box(labels[i], sizes, classes, rng)
            if extra:
                labels[i].append(extra)
                planted.append(Planted("spurious", i, len(labels[i]) - 1))
                break
    return labels, planted


def write_prepared(root: Path, names: list[str], audited: list[tuple[Item, list[Label]]], val: list[Item]):
    """The audited images (planted labels) as base/train and the val images as base/val, with a card."""
    for split, entries in (("train", audited), ("val", [(v, v.labels) for v in val])):
        (root / "base" / "images" / split).mkdir(parents=True, exist_ok=True)
        for item, rows in entries:
            shutil.copyfile(item.image, root / "base" / "images" / split / item.image.name)
            write_labels(root / "base" / "labels" / split / f"{item.image.stem}.txt", rows)
    dataset = PreparedDataset(root, names, [])
    write_card(dataset, {})
    return dataset
