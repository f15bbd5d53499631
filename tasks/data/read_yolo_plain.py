"""Read YOLO label files that came without a dataset yaml, as labelling tools write them.

- LabelImg (YOLO mode): `<stem>.txt` beside each image (or in the chosen save folder) and
  `classes.txt` in the folder of the label files;
- darknet and CVAT's "YOLO 1.1": `obj.names`, `obj.data` (`train = train.txt`, `valid = ...`,
  `names = obj.names`), `obj_<subset>_data/` with each image and its `.txt`;
- Label Studio's YOLO export: `classes.txt`, `notes.json` (`categories: [{id, name}]`),
  `images/` and `labels/`.

A label file is looked for where Ultralytics looks (`images/` -> `labels/`), beside the
image, then in the folder of the class list. Splits come from darknet's lists, else from
folder names (train/, valid/, obj_train_data/), else train.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tasks.core import InputError
from tasks.core import Finding
from tasks.core import label_path
from tasks.data.label_check import parse_label_file
from tasks.data.layouts import CLASS_LISTS, Inventory, class_lists, dataset_yamls, inventory, split_of
from tasks.data.read_yolo import read_yolo
from tasks.data.source import SourceDataset, SourceItem, unsplit_notes

DARKNET_SPLITS = {"train": "train", "valid": "val", "val": "val", "test": "test"}


def _find_under(root: Path, written: str, near: Path) -> Path | None:
    """A path darknet wrote (relative to where darknet ran, e.g. data/obj.names): near the file, else by its tail."""
    parts = [p for p in re.split(r"[\\/]+", written.strip()) if p and p != "."]
    for start in range(len(parts)):
        for base in (near, root):
            candidate = base.joinpath(*parts[start:])
            if candidate.is_file():
                return candidate
    return None


def _darknet(obj_data: Path) -> dict[str, str]:
    entries = {}
    for line in obj_data.read_text(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if value.strip():
            entries[key.strip().lower()] = value.split("#")[0].strip()
    return entries


def _names_from(path: Path, root: Path) -> list[str]:
    if path.name == "notes.json":
        try:
            categories = json.loads(path.read_text()).get("categories") or []
        except (json.JSONDecodeError, AttributeError) as exc:
            raise InputError(f"{path}: not a Label Studio notes.json ({exc})") from exc
        ids = sorted(int(c["id"]) for c in categories)
        if ids != list(range(len(ids))):
            raise InputError(f"{path}: categories: ids {ids} are not 0..{len(ids) - 1}")
        return [str(c["name"]).strip() for c in sorted(categories, key=lambda c: int(c["id"]))]
    if path.name == "obj.data":
        written = _darknet(path).get("names", "obj.names")
        names_file = _find_under(root, written, path.parent)
        if names_file is None:
            raise InputError(f"{path}: names = {written}: file not found under {root}")
        return _names_from(names_file, root)
    return [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]


def read_class_list(found: Inventory) -> tuple[Path, list[str], list[Finding]]:
    """The first class list in trust order; the others must agree with it."""
    lists = class_lists(found)
    if not lists:
        raise InputError(
            f"{found.root}: no YOLO class list and no dataset yaml (looked for data.yaml, "
            + ", ".join(CLASS_LISTS) + ")"
        )
    chosen, names = lists[0], _names_from(lists[0], found.root)
    if not names or len(set(names)) != len(names):
        raise InputError(f"{chosen}: class names missing or repeated: {names}")
    findings = [
        Finding(str(other), None, f"lists {theirs} but {chosen.name} lists {names}; {chosen.name} used", "warning")
        for other in lists[1:]
        if (theirs := _names_from(other, found.root)) != names
    ]
    return chosen, names, findings


def listed_splits(found: Inventory) -> dict[Path, str]:
    """Image -> split from obj.data's train/valid/test lists (paths as darknet wrote them, found by their tail)."""
    splits = {}
    for obj_data in (p for p in found.class_lists if p.name == "obj.data"):
        for key, value in _darknet(obj_data).items():
            listing = _find_under(found.root, value, obj_data.parent) if key in DARKNET_SPLITS else None
            for line in listing.read_text(errors="replace").splitlines() if listing else []:
                image = _find_under(found.root, line, listing.parent) if line.strip() else None
                if image:
                    splits.setdefault(image, DARKNET_SPLITS[key])
    return splits


def _label_file(image: Path, class_dirs: list[Path]) -> Path | None:
    candidates = [label_path(image)] if "images" in image.parts else []
    candidates += [image.with_suffix(".txt"), *(d / f"{image.stem}.txt" for d in class_dirs)]
    return next((c for c in candidates if c.is_file()), None)


def read_yolo_plain(source: Path) -> SourceDataset:
    found = inventory(source)
    chosen, names, findings = read_class_list(found)
    dataset = SourceDataset(source, "yolo", names, findings=findings)
    listed, class_dirs = listed_splits(found), sorted({p.parent for p in found.class_lists})
    used: set[Path] = set()
    for image in found.images:
        split = listed.get(image) or split_of(found.rel(image.parent))
        item = SourceItem(split or "train", image, str(image.relative_to(source)), split_named=split is not None)
        item.label_file = _label_file(image, class_dirs)
        if item.label_file:
            used.add(item.label_file)
            item.labels, item.findings = parse_label_file(item.label_file, len(names))
        dataset.items.append(item)
    dataset.findings += _orphans(found, used) + unsplit_notes(dataset.items)
    dataset.findings.append(Finding(str(chosen), None, f"class names taken from {chosen.name}: {names}", "note"))
    return dataset


def _orphans(found: Inventory, used: set[Path]) -> list[Finding]:
    """Label files, in folders that hold label files, that no image claims (lists and class files are not labels)."""
    label_dirs = {p.parent for p in used}
    listings = {"train.txt", "valid.txt", "val.txt", "test.txt", *CLASS_LISTS}
    return [
        Finding(str(p), None, "label file without an image; ignored", "warning")
        for p in found.txt
        if p.parent in label_dirs and p not in used and p.name not in listings
    ]


def read_yolo_any(source: Path) -> SourceDataset:
    """A dataset yaml when there is one (Ultralytics, Roboflow), else the label files and a class list."""
    if source.is_dir():
        found = inventory(source)
        if not dataset_yamls(found) and (found.class_lists or not [p for p in found.yaml if p.parent == source]):
            return read_yolo_plain(source)
    return read_yolo(source)
