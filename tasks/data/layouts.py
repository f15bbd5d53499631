"""Where a dataset keeps its parts, as labelling tools really lay them out, and which format it is.

One walk over the source lists its images, XML, JSON, YAML and text files; the readers
pick their parts from it. Folder names are matched by words, in any case: a split is a
folder with `train`, `val`, `valid`, `validation` or `test` in its name (`train/`,
`Validation_Images/`, `obj_train_data/`), and an image folder pairs with an annotation
folder when their names differ only by the image or annotation word (`images/` +
`annotations/`, `IMAGES/` + `ANNOTATIONS/`, `JPEGImages/` + `Annotations/`,
`Validation_Images/` + `Validation_Annotations/`, `images/train` + `annots/train`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core import InputError
from tasks.core import IMAGE_SUFFIXES

SPLIT_WORDS = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "test": "test",
    "testing": "test",
}
IMAGE_WORDS = {"jpegimages", "images", "image", "imgs", "img", "pictures", "photos", "frames"}
ANNOTATION_WORDS = {"annotations", "annotation", "annots", "annot", "anns", "ann", "xmls", "xml", "labels", "label"}
CLASS_LISTS = ("notes.json", "obj.data", "obj.names", "classes.txt")  # in the order they are trusted
MAX_DEPTH = 6  # a dataset folder, not a disk: deeper files are not looked at


@dataclass
class Inventory:
    """Every file of the source that a reader may want, by kind (paths in walk order, sorted)."""

    root: Path
    images: list[Path] = field(default_factory=list)
    xml: list[Path] = field(default_factory=list)
    json: list[Path] = field(default_factory=list)
    yaml: list[Path] = field(default_factory=list)
    txt: list[Path] = field(default_factory=list)
    class_lists: list[Path] = field(default_factory=list)  # files named as in CLASS_LISTS

    def rel(self, path: Path) -> Path:
        return path.relative_to(self.root)


def inventory(root: Path) -> Inventory:
    """One walk (hidden folders and files skipped, at most MAX_DEPTH folders down).

    Linked folders are followed (a dataset often links its images from another disk), each real
    folder once, so a link back up the tree cannot loop.
    """
    found, seen = Inventory(root), set()
    kinds = {".xml": found.xml, ".json": found.json, ".yaml": found.yaml, ".yml": found.yaml, ".txt": found.txt}
    for folder, dirs, files in os.walk(root, followlinks=True):
        here = Path(folder)
        if os.path.realpath(folder) in seen:
            dirs[:] = []
            continue
        seen.add(os.path.realpath(folder))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if len(here.relative_to(root).parts) < MAX_DEPTH else []
        for name in sorted(files):
            suffix = Path(name).suffix.lower()
            if name.startswith("."):
                continue
            if name in CLASS_LISTS:
                found.class_lists.append(here / name)
            if suffix in IMAGE_SUFFIXES:
                found.images.append(here / name)
            elif suffix in kinds:
                kinds[suffix].append(here / name)
    return found


def words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def split_of(rel_folder: Path) -> str | None:
    """The split a folder's own name (or the nearest parent's) says, or None."""
    for part in reversed(rel_folder.parts):
        named = [SPLIT_WORDS[w] for w in words(part) if w in SPLIT_WORDS]
        if named:
            return named[0]
    return None


def folder_key(rel_folder: Path) -> tuple[str, ...]:
    """A folder's path with the image and annotation words taken out: paired folders share a key."""
    return tuple(
        "_".join(w for w in words(part) if w not in IMAGE_WORDS and w not in ANNOTATION_WORDS)
        for part in rel_folder.parts
    )


def is_voc_xml(path: Path) -> bool:
    """A Pascal VOC annotation starts (after the XML prolog) with an <annotation> element."""
    try:
        with path.open("rb") as opened:
            head = opened.read(512)
    except OSError:
        return False
    return re.search(rb"<annotation[\s>]", head) is not None  # not CVAT's <annotations> (another format)


def is_coco_json(path: Path) -> bool:
    """A COCO file names images, annotations and categories at its top level (checked on the bytes: no parse)."""
    if path.name in CLASS_LISTS:
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return all(key in data for key in (b'"images"', b'"annotations"', b'"categories"'))


def dataset_yamls(found: Inventory) -> list[Path]:
    """Dataset yamls at the top of the source (Ultralytics, Roboflow's data.yaml), told apart by a `names:` key."""
    top = [p for p in found.yaml if p.parent == found.root]
    return [p for p in top if re.search(r"^names\s*:", p.read_text(errors="replace"), re.MULTILINE)]


def coco_files(found: Inventory) -> list[Path]:
    """COCO JSON at the top, in annotations/, or one per split folder (Roboflow: train/_annotations.coco.json)."""
    return [p for p in found.json if len(found.rel(p).parts) <= 2 and is_coco_json(p)]


def voc_files(found: Inventory) -> list[Path]:
    return [p for p in found.xml if is_voc_xml(p)]


def class_lists(found: Inventory) -> list[Path]:
    """YOLO class lists without a yaml: notes.json and classes.txt (Label Studio), obj.names / obj.data
    (darknet, CVAT's YOLO 1.1), classes.txt (LabelImg's YOLO mode, beside the label files)."""
    return sorted(found.class_lists, key=lambda p: (CLASS_LISTS.index(p.name), len(p.parts), p))


def detect_format(source: Path) -> str:
    """yolo, coco or voc, from what the source holds; an InputError lists everything looked for."""
    if source.is_file():
        fmt = {".yaml": "yolo", ".yml": "yolo", ".json": "coco"}.get(source.suffix.lower())
        if fmt:
            return fmt
        raise InputError(f"{source}: expected a dataset yaml (YOLO) or a COCO JSON file, or a folder")
    found = inventory(source)
    if dataset_yamls(found):
        return "yolo"
    if coco_files(found):
        return "coco"
    if voc_files(found):
        return "voc"
    if class_lists(found):
        return "yolo"
    raise InputError(looked_for(source, found))


def looked_for(source: Path, found: Inventory) -> list[str]:
    """What `--format auto` looked for, and what it found instead."""
    return [
        f"{source}: cannot tell the dataset format; looked for:",
        "  a dataset yaml with names: at the top (Ultralytics, Roboflow's data.yaml)",
        "  COCO JSON with images/annotations/categories at the top, in annotations/ or in split folders "
        "(Roboflow's train/_annotations.coco.json, CVAT's annotations/instances_*.json, Label Studio's result.json)",
        "  Pascal VOC XML (<annotation>) in Annotations/, beside each image (LabelImg) or in any annotation folder",
        "  a YOLO class list: classes.txt (LabelImg, Label Studio), obj.names or obj.data (darknet, CVAT), "
        "notes.json (Label Studio)",
        f"  found {len(found.images)} images, {len(found.xml)} .xml, {len(found.json)} .json, {len(found.yaml)} "
        f".yaml, {len(found.txt)} .txt (at most {MAX_DEPTH} folders down); "
        "pass --format, or --unlabelled for photos without labels",
    ]
