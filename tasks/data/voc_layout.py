"""Which image a Pascal VOC annotation describes, and which split it is in, whatever the folder layout.

Tools write VOC in several layouts: the VOC devkit (Annotations/ + JPEGImages/ +
ImageSets/Main/<split>.txt; CVAT writes `default.txt`), LabelImg (the .xml beside each
image, or in a "save dir" of the user's choosing), Roboflow (train/ valid/ test/, each
with images and .xml side by side), Label Studio (Annotations/ + images/, `<filename>`
without its extension). So an annotation looks for its image in its own folder and in
the image folders paired with it (tasks/data/layouts.py), by `<filename>` first, then by
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
