"""Read Pascal VOC annotations (one .xml per image) in any of the layouts tools write.

VOC has no class list: classes are the object names found, sorted, so the same
files give the same ids. Boxes are 1-based pixel corners; yoloop keeps them as
fractions of the size the annotation states, and the import validation checks that size
against the image itself. The split comes from ImageSets/Main when the dataset has
one, else from the folder names (train/, valid/, Validation_Images/, ...), else train.

Which image an annotation describes, whatever the folder layout: tools write VOC in several
layouts: the VOC devkit (Annotations/ + JPEGImages/ + ImageSets/Main/<split>.txt; CVAT writes
`default.txt`), LabelImg (the .xml beside each image, or in a "save dir" of the user's choosing),
Roboflow (train/ valid/ test/, each with images and .xml side by side), Label Studio (Annotations/ +
images/, `<filename>` without its extension). So an annotation looks for its image in its own folder
and in the image folders paired with it (tasks/data/layouts.py), by `<filename>` first, then by
stem; only then anywhere in the dataset, when the name is unique there.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from tasks.core import Finding
from tasks.core import IMAGE_SUFFIXES
from tasks.data.layouts import Inventory, folder_key, split_of
import re
import xml.etree.ElementTree as ET
from xml.parsers import expat
from tasks.data.layouts import Inventory, inventory, voc_files
from tasks.data.source import SourceDataset, SourceItem, pixel_box_to_label, unsplit_notes


LISTING_SPLITS = {"train": "train", "trainval": "train", "default": "train", "val": "val", "test": "test"}  # in order


@dataclass
class ImageIndex:
    """The dataset's images by folder, by folder key, by lower-case name and by lower-case stem."""

    found: Inventory
    by_folder: dict[Path, dict[str, Path]] = field(default_factory=lambda: defaultdict(dict))
    by_key: dict[tuple[str, ...], list[Path]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[Path]] = field(default_factory=lambda: defaultdict(list))
    by_stem: dict[str, list[Path]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, found: Inventory) -> ImageIndex:
        index = cls(found)
        for image in found.images:
            if image.name.lower() not in index.by_folder[image.parent]:
                index.by_key[folder_key(found.rel(image.parent))].append(image.parent)
            index.by_folder[image.parent][image.name.lower()] = image
            index.by_name[image.name.lower()].append(image)
            index.by_stem[image.stem.lower()].append(image)
        index.by_key = {key: sorted(set(folders)) for key, folders in index.by_key.items()}
        return index

    def folders_for(self, xml_folder: Path) -> list[Path]:
        """The annotation's own folder first, then the image folders whose key is the same."""
        paired = self.by_key.get(folder_key(self.found.rel(xml_folder)), [])
        return [xml_folder, *(f for f in paired if f != xml_folder)]


def _stem(name: str) -> str:
    path = Path(name)
    return (path.stem if path.suffix.lower() in IMAGE_SUFFIXES else path.name).lower()


def _look_up(index: ImageIndex, folders: list[Path], name: str, xml: Path) -> tuple[Path | None, str]:
    """The image, and how it was found: 'name', 'stem' or 'elsewhere' ('' when not found)."""
    lower = Path(name).name.lower()
    for folder in folders:
        if (folder / name).is_file():
            return folder / name, "name"
        if lower in index.by_folder.get(folder, {}):
            return index.by_folder[folder][lower], "name"
    stems = {_stem(name), xml.stem.lower()}
    for folder in folders:
        hits = [p for p in index.by_folder.get(folder, {}).values() if p.stem.lower() in stems]
        if len(hits) == 1:
            return hits[0], "stem"
    anywhere = index.by_name.get(lower) or [p for s in stems for p in index.by_stem.get(s, [])]
    if len(set(anywhere)) == 1:
        return anywhere[0], "elsewhere"
    return None, ""


def find_image(index: ImageIndex, xml: Path, filename: str, line: int | None) -> tuple[Path | None, Finding | None]:
    """The image an annotation names, with a note when it had to be matched by stem or found elsewhere."""
    root = Path(os.path.normpath(index.found.root.absolute()))  # by name, not resolved: linked folders stay inside
    folders = index.folders_for(xml.parent)
    names = [f"{index.found.rel(f)}/" if f != index.found.root else "./" for f in folders]
    if filename and not Path(os.path.normpath((xml.parent / filename).absolute())).is_relative_to(root):
        reason = f"filename {filename!r} points outside {names[-1]} (and the dataset)"
        return None, Finding(str(xml), line, reason, "error")
    image, how = _look_up(index, folders, filename or xml.stem, xml)
    if image is None:
        reason = f"image {filename or xml.stem!r} does not exist (looked in {', '.join(names)} by <filename>, then by stem)"
        return None, Finding(str(xml), line, reason, "error")
    if how == "stem":
        return image, Finding(str(xml), line, "<filename> names no file there; image matched by stem", "note")
    if how == "elsewhere":
        return image, Finding(str(xml), line, "image not beside the annotation; found by name elsewhere", "note")
    return image, None


def _listing_files(main: Path) -> list[tuple[Path, str]]:
    """<split>.txt files; trainval.txt only when there is no train.txt (it repeats val's ids)."""
    files = {p.stem.lower(): p for p in main.glob("*.txt")} if main.is_dir() else {}
    if "train" in files:
        files.pop("trainval", None)
    return [(files[stem], split) for stem, split in LISTING_SPLITS.items() if stem in files]


def read_listings(main: Path) -> tuple[dict[str, str], list[Finding]]:
    """Image id -> split from ImageSets/Main/<split>.txt (CVAT's default.txt is train); an id in two is an error.

    <class>_<split>.txt files list the same ids per class and are not read."""
    splits: dict[str, str] = {}
    findings = []
    for listing, split in _listing_files(main):
        for number, line in enumerate(listing.read_text(errors="replace").splitlines(), start=1):
            image_id = line.split()[0] if line.split() else ""
            if image_id in splits and splits[image_id] != split:
                reason = f"{image_id} is also in {splits[image_id]}; kept there"
                findings.append(Finding(str(listing), number, reason, "error"))
            elif image_id:
                splits.setdefault(image_id, split)
    return splits, findings


def folder_split(found: Inventory, image: Path, xml: Path) -> str | None:
    """The split the image's folder (or else the annotation's folder) is named after."""
    return split_of(found.rel(image.parent)) or split_of(found.rel(xml.parent))


def unannotated(index: ImageIndex, annotated: set[Path], xml_folders: set[Path]) -> list[Finding]:
    """Images in the folders the annotations pair with, that no annotation describes (LabelImg: not labelled yet)."""
    folders = {f for x in xml_folders for f in index.folders_for(x)}
    return [
        Finding(str(image), None, "no annotation describes this image; not imported", "warning")
        for folder in sorted(folders)
        for image in sorted(index.by_folder.get(folder, {}).values())
        if image not in annotated
    ]


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
    for main in listings:
        for listing, split in _listing_files(main):
            named = listing.relative_to(source).as_posix() if listing.is_relative_to(source) else str(listing)
            dataset.declared.setdefault(split, named)
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
