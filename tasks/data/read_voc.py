"""Read a Pascal VOC dataset: Annotations/*.xml, JPEGImages/, ImageSets/Main/<split>.txt.

VOC has no class list: classes are the object names found, sorted, so the same
files give the same ids. Boxes are 1-based pixel corners; yoloop keeps them as
fractions of the size the annotation states, and the import validation checks that size
against the image itself.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from tasks.core.findings import Finding
from tasks.data.source import SourceDataset, SourceItem, pixel_box_to_label

SPLIT_FILES = {"train": "train", "val": "val", "test": "test"}


def parse_xml(data: bytes) -> ET.Element:
    """ElementTree with each element's line in its `_line` attribute (for findings that name a line)."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()

    def start(tag: str, attrs: dict) -> None:
        builder.start(tag, {**attrs, "_line": str(parser.CurrentLineNumber)})

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.Parse(data, True)
    return builder.close()


def _line(element: ET.Element | None) -> int | None:
    return int(element.get("_line", 0)) or None if element is not None else None


def read_splits(root: Path) -> tuple[dict[str, str], list[Finding]]:
    """Image id -> split from ImageSets/Main; an id listed in two splits is an error (a leak)."""
    main, splits, findings = root / "ImageSets" / "Main", {}, []
    for split, stem in SPLIT_FILES.items():
        listing = main / f"{stem}.txt"
        if not listing.is_file() and split == "train" and (main / "trainval.txt").is_file():
            listing = main / "trainval.txt"
        for number, line in enumerate(listing.read_text().splitlines() if listing.is_file() else [], start=1):
            image_id = line.split()[0] if line.split() else ""
            if image_id in splits and splits[image_id] != split:
                reason = f"{image_id} is also in {splits[image_id]}; kept there"
                findings.append(Finding(str(listing), number, reason, "error"))
            elif image_id:
                splits[image_id] = split
    return splits, findings


def _size(root: ET.Element, where: str) -> tuple[tuple[int, int] | None, list[Finding]]:
    size = root.find("size")
    try:
        width, height = int(float(size.findtext("width"))), int(float(size.findtext("height")))
    except (AttributeError, TypeError, ValueError):
        return None, [Finding(where, _line(size), "size missing or not numbers; taken from the image", "warning")]
    if width <= 0 or height <= 0:
        return None, [Finding(where, _line(size), f"size {width}x{height} is empty; taken from the image", "warning")]
    return (width, height), []


def _objects(root: ET.Element, item: SourceItem, names: list[str], size: tuple[int, int]) -> None:
    for obj in root.iter("object"):
        where = (str(item.label_file), _line(obj))
        name = (obj.findtext("name") or "").strip()
        box = obj.find("bndbox")
        try:
            corners = tuple(float(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
        except (AttributeError, TypeError, ValueError):
            item.findings.append(Finding(*where, f"object {name!r}: bndbox missing or not numbers", "error"))
            continue
        if (obj.findtext("difficult") or "0").strip() == "1":
            item.findings.append(Finding(*where, f"object {name!r} marked difficult; kept as a box", "note"))
        label, found = pixel_box_to_label(names.index(name), corners, size, where)
        item.findings += found
        item.labels += [label] if label else []


def _image_path(root: Path, annotation: ET.Element, xml_path: Path) -> tuple[Path | None, Finding | None]:
    name = (annotation.findtext("filename") or "").strip() or f"{xml_path.stem}.jpg"
    images = (root / "JPEGImages").resolve()
    image = (images / name).resolve()
    if not image.is_relative_to(images):
        line = _line(annotation.find("filename"))
        return None, Finding(str(xml_path), line, f"filename {name!r} points outside JPEGImages/", "error")
    if not image.is_file():
        return None, Finding(str(xml_path), _line(annotation.find("filename")), f"image {name} does not exist", "error")
    return image, None


def _names(annotations: dict[Path, ET.Element]) -> list[str]:
    found = {(o.findtext("name") or "").strip() for a in annotations.values() for o in a.iter("object")}
    return sorted(found - {""})


def read_voc(source: Path) -> SourceDataset:
    splits, findings = read_splits(source)
    annotations: dict[Path, ET.Element] = {}
    for xml_path in sorted((source / "Annotations").glob("*.xml")):
        try:
            annotations[xml_path] = ET.fromstring(xml_path.read_bytes())  # C parser; lines only when needed
        except ET.ParseError as exc:
            findings.append(Finding(str(xml_path), exc.position[0], f"not valid XML: {exc}", "error"))
    dataset = SourceDataset(source, "voc", _names(annotations), findings=findings)
    outside = sum(
        1
        for a in annotations.values()
        if (a.findtext("path") or "").startswith(("/", "\\")) or ":" in (a.findtext("path") or "")
    )
    if outside:
        reason = f"{outside} annotations carry an absolute <path> from another machine; ignored, <filename> used"
        dataset.findings.append(Finding(str(source / "Annotations"), None, reason, "note"))
    for xml_path, annotation in annotations.items():
        found, items = len(dataset.findings), len(dataset.items)
        _add_item(dataset, xml_path, annotation, splits)
        if len(dataset.findings) > found or any(i.findings for i in dataset.items[items:]):
            del dataset.findings[found:], dataset.items[items:]  # again, with line numbers for the findings
            _add_item(dataset, xml_path, parse_xml(xml_path.read_bytes()), splits)
    return dataset


def _add_item(dataset: SourceDataset, xml_path: Path, annotation: ET.Element, splits: dict[str, str]) -> None:
    image, problem = _image_path(dataset.root, annotation, xml_path)
    if problem:
        dataset.findings.append(problem)
        return
    split = splits.get(xml_path.stem)
    if split is None:
        reason = "in no ImageSets/Main split; taken as train" if splits else "no ImageSets/Main splits; taken as train"
        dataset.findings.append(Finding(str(xml_path), None, reason, "note" if not splits else "warning"))
    item = SourceItem(split or "train", image, image.name, label_file=xml_path)
    item.stated_size, item.findings = _size(annotation, str(xml_path))
    size = item.stated_size or _image_size(image)
    _objects(annotation, item, dataset.names, size)
    dataset.items.append(item)


def _image_size(image: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(image) as opened:
            return opened.size
    except OSError:
        return (1, 1)  # the import validation reports the unreadable image itself
