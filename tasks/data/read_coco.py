"""Read COCO detection JSON: `images`, `annotations` (pixel [x, y, w, h]) and `categories`.

A folder may hold several JSON files (instances_train2017.json, ...; Roboflow writes one
`_annotations.coco.json` per split folder, train/ valid/ test/): the split is read from
each file's name, else from its folder's. Category ids need not be contiguous (COCO's are
not): they are renumbered in the order of the categories, which is reported. Roboflow
adds its project name as category 0, the supercategory of all the others, with no box:
it is left out, so the classes are the ones people drew.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from tasks.core import InputError
from tasks.core import Finding
from tasks.data.layouts import coco_files, inventory, split_of
from tasks.data.source import SPLITS, SourceDataset, SourceItem, pixel_box_to_label


def _json_files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    files = coco_files(inventory(source))
    if not files:
        raise InputError(
            f"{source}: no COCO JSON file found (looked for *.json with images/annotations/categories at the top, "
            "in annotations/ and in split folders such as train/_annotations.coco.json)"
        )
    return files


def _split_of(path: Path, root: Path) -> str:
    """The split the file's name says (instances_val2017), else its folder's (Roboflow's valid/), else train."""
    stem = path.stem.lower()
    named = next((s for s in SPLITS if s in stem), "val" if "valid" in stem else None)
    folder = split_of(path.parent.relative_to(root)) if path.parent.is_relative_to(root) else None
    return named or folder or "train"


def _unused_parent(categories: list[dict], data: dict, where: str) -> tuple[list[dict], list[Finding]]:
    """Drop a category that labels nothing and is the supercategory of every other one (Roboflow's id 0)."""
    used = {a.get("category_id") for a in data.get("annotations") or []}
    for parent in categories:
        others = [c for c in categories if c is not parent]
        if (
            others
            and parent.get("id") not in used
            and all(c.get("supercategory") == parent.get("name") for c in others)
        ):
            reason = (
                f"category {parent.get('id')} {parent.get('name')!r} is the supercategory of all the others and "
                "labels no box (Roboflow's project category); left out"
            )
            return others, [Finding(where, None, reason, "note")]
    return categories, []


def _categories(data: dict, where: str) -> tuple[list[str], dict[int, int], list[Finding]]:
    categories, findings = _unused_parent(data.get("categories") or [], data, where)
    names = [str(c.get("name", "")).strip() for c in categories]
    if not names or len(set(names)) != len(names) or "" in names:
        raise InputError(f"{where}: categories: missing, unnamed or repeated names {names}")
    ids = [c.get("id") for c in categories]
    if ids != list(range(ids[0], ids[0] + len(ids))) or ids[0] not in (0, 1):
        reason = f"category ids {ids} are not contiguous; renumbered 0..{len(ids) - 1} in this order"
        findings.append(Finding(where, None, reason, "warning"))
    return names, {cid: index for index, cid in enumerate(ids)}, findings


def _find_image(json_path: Path, file_name: str, split: str) -> Path | None:
    """Beside the JSON (Roboflow), in images/ (CVAT, Label Studio), or the file name's last part in any of them."""
    base = json_path.parent
    folders = (base, base / "images", base.parent / "images", base.parent / "images" / split, base.parent)
    for name in dict.fromkeys((file_name, re.split(r"[\\/]", file_name)[-1])):
        for folder in folders:
            if name and (folder / name).is_file():
                return folder / name
    return None


def _read_images(data: dict, json_path: Path, split: str) -> tuple[dict[int, SourceItem], dict[int, str]]:
    """The images found, by id, and the ids of those listed but not on disk (with their file names)."""
    items, missing = {}, {}
    for entry in data.get("images") or []:
        name = str(entry.get("file_name", ""))
        image = _find_image(json_path, name, split)
        if image is None:
            missing[entry.get("id")] = name
            continue
        item = SourceItem(split, image, image.name, label_file=json_path)
        if entry.get("width") and entry.get("height"):
            item.stated_size = (int(entry["width"]), int(entry["height"]))
        items[entry.get("id")] = item
    return items, missing


def _missing_findings(data: dict, missing: dict[int, str], json_path: Path) -> list[Finding]:
    """One error per image the JSON lists that is not on disk, with the number of its boxes left out."""
    boxes = Counter(a.get("image_id") for a in data.get("annotations") or [] if a.get("image_id") in missing)
    where = f"{json_path.parent.name}/ and images/"
    return [
        Finding(
            str(json_path),
            None,
            f"image id {image_id}: {name!r} not found: listed in the JSON, not on disk "
            f"(looked in {where}); its {boxes[image_id]} boxes are left out",
            "error",
        )
        for image_id, name in missing.items()
    ]


def _add_annotation(ann: dict, items: dict, ids: dict[int, int], where: str, dataset: SourceDataset) -> None:
    item = items.get(ann.get("image_id"))
    label = f"annotation {ann.get('id')}"
    if item is None:
        reason = f"{label} refers to image id {ann.get('image_id')}, which the JSON does not list"
        dataset.findings.append(Finding(where, None, reason, "error"))
        return
    if ann.get("category_id") not in ids:
        item.findings.append(Finding(where, None, f"{label}: unknown category id {ann.get('category_id')}", "error"))
        return
    if ann.get("iscrowd"):
        item.findings.append(Finding(where, None, f"{label}: crowd region skipped (not a box to learn)", "note"))
        return
    try:
        x, y, w, h = (float(v) for v in ann["bbox"])
    except (KeyError, TypeError, ValueError):
        item.findings.append(Finding(where, None, f"{label}: bbox missing or not 4 numbers", "error"))
        return
    size = item.stated_size or (1, 1)
    box, found = pixel_box_to_label(ids[ann["category_id"]], (x, y, x + w, y + h), size, (where, None))
    item.findings += [Finding(f.path, f.line, f"{label}: {f.reason}", f.severity) for f in found]
    item.labels += [box] if box else []


def read_coco(source: Path) -> SourceDataset:
    dataset: SourceDataset | None = None
    for json_path in _json_files(source):
        try:
            data = json.loads(json_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{json_path}:{getattr(exc, 'lineno', '')}: not valid JSON: {exc}") from exc
        names, ids, findings = _categories(data, str(json_path))
        if dataset is None:
            dataset = SourceDataset(source if source.is_dir() else source.parent, "coco", names)
        elif names != dataset.names:
            raise InputError(f"{json_path}: categories {names} differ from {dataset.names}")
        dataset.findings += findings
        split = _split_of(json_path, dataset.root)
        dataset.declared.setdefault(
            split,
            json_path.relative_to(dataset.root).as_posix()
            if json_path.is_relative_to(dataset.root)
            else json_path.name,
        )
        items, missing = _read_images(data, json_path, split)
        dataset.findings += _missing_findings(data, missing, json_path)
        for ann in data.get("annotations") or []:
            if ann.get("image_id") not in missing:
                _add_annotation(ann, items, ids, str(json_path), dataset)
        dataset.items += [i for i in items.values() if i.stated_size or _no_size(i, dataset)]
    return dataset


def _no_size(item: SourceItem, dataset: SourceDataset) -> bool:
    reason = "width/height missing in the JSON; boxes cannot be placed"
    dataset.findings.append(Finding(str(item.label_file), None, f"{item.name}: {reason}", "error"))
    return False
