"""Read Pascal VOC annotations (one .xml per image) in any of the layouts tools write (tasks/data/voc_layout.py).

VOC has no class list: classes are the object names found, sorted, so the same
files give the same ids. Boxes are 1-based pixel corners; yoloop keeps them as
fractions of the size the annotation states, and the import validation checks that size
against the image itself. The split comes from ImageSets/Main when the dataset has
one, else from the folder names (train/, valid/, Validation_Images/, ...), else train.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from tasks.core import Finding
from tasks.data.layouts import Inventory, inventory, voc_files
from tasks.data.source import SourceDataset, SourceItem, pixel_box_to_label, unsplit_notes
from tasks.data.voc_layout import ImageIndex, find_image, folder_split, read_listings, unannotated

ABSOLUTE = re.compile(r"^([A-Za-z]:[\\/]|[\\/])")


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


def _names(annotations: dict[Path, ET.Element]) -> list[str]:
    found = {(o.findtext("name") or "").strip() for a in annotations.values() for o in a.iter("object")}
    return sorted(found - {""})


def _filename(annotation: ET.Element) -> str:
    """<filename> as written; a path from the labeller's machine (LabelImg on Windows) keeps its last part."""
    name = (annotation.findtext("filename") or "").strip()
    return re.split(r"[\\/]", name)[-1] if ABSOLUTE.match(name) else name.replace("\\", "/")


def _parse_all(found: Inventory, findings: list[Finding]) -> dict[Path, ET.Element]:
    annotations = {}
    for xml_path in voc_files(found):
        try:
            annotations[xml_path] = ET.fromstring(xml_path.read_bytes())  # C parser; lines only when needed
        except ET.ParseError as exc:
            findings.append(Finding(str(xml_path), exc.position[0], f"not valid XML: {exc}", "error"))
    return annotations


def read_voc(source: Path) -> SourceDataset:
    found = inventory(source)
    dataset = SourceDataset(source, "voc", [])
    annotations = _parse_all(found, dataset.findings)
    dataset.names = _names(annotations)
    index, listings = ImageIndex.of(found), {}
    for xml_path, annotation in annotations.items():
        mark = len(dataset.findings), len(dataset.items)
        _add_item(dataset, index, xml_path, annotation, listings)
        if len(dataset.findings) > mark[0] or any(i.findings for i in dataset.items[mark[1] :]):
            del dataset.findings[mark[0] :], dataset.items[mark[1] :]  # again, with line numbers for the findings
            _add_item(dataset, index, xml_path, parse_xml(xml_path.read_bytes()), listings)
    dataset.findings += unannotated(index, {i.image for i in dataset.items}, {x.parent for x in annotations})
    dataset.findings += unsplit_notes(dataset.items)
    dataset.findings += [f for _, listing_findings in listings.values() for f in listing_findings]
    _note_foreign_paths(dataset, annotations)
    return dataset


def _listing(xml_path: Path, listings: dict) -> dict[str, str]:
    """ImageSets/Main beside the annotation's folder (the VOC devkit), read once."""
    main = xml_path.parent.parent / "ImageSets" / "Main"
    if main not in listings:
        listings[main] = read_listings(main)
    return listings[main][0]


def _add_item(
    dataset: SourceDataset, index: ImageIndex, xml_path: Path, annotation: ET.Element, listings: dict
) -> None:
    image, problem = find_image(index, xml_path, _filename(annotation), _line(annotation.find("filename")))
    if problem:
        dataset.findings.append(problem)
    if image is None:
        return
    listed = _listing(xml_path, listings)
    split = listed.get(xml_path.stem) if listed else folder_split(index.found, image, xml_path)
    if listed and split is None:
        dataset.findings.append(Finding(str(xml_path), None, "in no ImageSets/Main listing; taken as train", "warning"))
    item = SourceItem(split or "train", image, image.name, label_file=xml_path)
    item.split_named = split is not None
    item.stated_size, item.findings = _size(annotation, str(xml_path))
    size = item.stated_size or _image_size(image)
    _objects(annotation, item, dataset.names, size)
    dataset.items.append(item)


def _note_foreign_paths(dataset: SourceDataset, annotations: dict[Path, ET.Element]) -> None:
    outside = sum(1 for a in annotations.values() if ABSOLUTE.match((a.findtext("path") or "").strip()))
    if outside:
        reason = f"{outside} annotations carry an absolute <path> from another machine; ignored, <filename> used"
        folder = Path(next(iter(annotations))).parent
        dataset.findings.append(Finding(str(folder), None, reason, "note"))


def _image_size(image: Path) -> tuple[int, int]:
    from PIL import Image

    try:
        with Image.open(image) as opened:
            return opened.size
    except OSError:
        return (1, 1)  # the import validation reports the unreadable image itself
