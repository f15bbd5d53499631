"""Read COCO detection JSON: `images`, `annotations` (pixel [x, y, w, h]) and `categories`.

A folder may hold several JSON files (instances_train2017.json, ...): the split is
read from each file's name. Category ids need not be contiguous (COCO's are not):
they are renumbered in the order of the categories, which is reported.
"""

from __future__ import annotations

import json
from pathlib import Path

from tasks.core.errors import InputError
from tasks.core.findings import Finding
from tasks.data.source import SPLITS, SourceDataset, SourceItem, pixel_box_to_label


def _json_files(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    files = sorted(source.glob("*.json")) + sorted(source.glob("annotations/*.json"))
    if not files:
        raise InputError(f"{source}: no COCO JSON file found")
    return files


def _split_of(path: Path) -> str:
    stem = path.stem.lower()
    return next((s for s in SPLITS if s in stem), "val" if "valid" in stem else "train")


def _categories(data: dict, where: str) -> tuple[list[str], dict[int, int], list[Finding]]:
    categories = data.get("categories") or []
    names = [str(c.get("name", "")).strip() for c in categories]
    if not names or len(set(names)) != len(names) or "" in names:
        raise InputError(f"{where}: categories: missing, unnamed or repeated names {names}")
    ids = [c.get("id") for c in categories]
    findings = []
    if ids != list(range(ids[0], ids[0] + len(ids))) or ids[0] not in (0, 1):
        reason = f"category ids {ids} are not contiguous; renumbered 0..{len(ids) - 1} in this order"
        findings.append(Finding(where, None, reason, "warning"))
    return names, {cid: index for index, cid in enumerate(ids)}, findings


def _find_image(json_path: Path, file_name: str, split: str) -> Path | None:
    base = json_path.parent
    for folder in (base, base / "images", base.parent / "images", base.parent / "images" / split, base.parent):
        if (folder / file_name).is_file():
            return folder / file_name
    return None


def _read_images(data: dict, json_path: Path, split: str, dataset: SourceDataset) -> dict[int, SourceItem]:
    items, where = {}, str(json_path)
    for entry in data.get("images") or []:
        name = str(entry.get("file_name", ""))
        image = _find_image(json_path, name, split)
        if image is None:
            dataset.findings.append(Finding(where, None, f"image id {entry.get('id')}: {name!r} not found", "error"))
            continue
        item = SourceItem(split, image, Path(name).name, label_file=json_path)
        if entry.get("width") and entry.get("height"):
            item.stated_size = (int(entry["width"]), int(entry["height"]))
        items[entry.get("id")] = item
    return items


def _add_annotation(ann: dict, items: dict, ids: dict[int, int], where: str, dataset: SourceDataset) -> None:
    item = items.get(ann.get("image_id"))
    label = f"annotation {ann.get('id')}"
    if item is None:
        reason = f"{label} refers to image id {ann.get('image_id')}, which is missing"
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
        items = _read_images(data, json_path, _split_of(json_path), dataset)
        for ann in data.get("annotations") or []:
            _add_annotation(ann, items, ids, str(json_path), dataset)
        dataset.items += [i for i in items.values() if i.stated_size or _no_size(i, dataset)]
    return dataset


def _no_size(item: SourceItem, dataset: SourceDataset) -> bool:
    reason = "width/height missing in the JSON; boxes cannot be placed"
    dataset.findings.append(Finding(str(item.label_file), None, f"{item.name}: {reason}", "error"))
    return False
