"""Read YOLO datasets: an Ultralytics dataset (its yaml, image folders and label files) as it was published,
and YOLO label files that came without a dataset yaml, as labelling tools write them.

With a yaml, paths are resolved as Ultralytics resolves them (relative to the yaml's folder, `../`
dropped when that misses), and a path that still misses (absolute, another OS's, or written from the
folder above the dataset, `<dataset>/train/images`) is looked up by its trailing folders under the
yaml's folder, with a warning naming the folder used. Each split the yaml (or darknet's obj.data)
names is recorded as declared: one that imports no image stops the import (tasks/data/import_splits.py).

Without one (`read_yolo_any`):
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

import re
from pathlib import Path, PurePosixPath
import yaml
from tasks.core import InputError
from tasks.core import Finding
from tasks.data.label_check import parse_label_file
from tasks.data.source import SPLITS, SourceDataset, SourceItem
from tasks.core import IMAGE_SUFFIXES, label_path, list_images
import json
from pathlib import Path
from tasks.core import label_path
from tasks.data.layouts import CLASS_LISTS, Inventory, class_lists, dataset_yamls, inventory, split_of
from tasks.data.source import SourceDataset, SourceItem, unsplit_notes


WINDOWS_PATH = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")


def find_yaml(source: Path) -> Path:
    if source.is_file():
        return source
    found = sorted(source.glob("*.yaml")) + sorted(source.glob("*.yml"))
    with_names = [p for p in found if re.search(r"^names\s*:", p.read_text(errors="replace"), re.MULTILINE)]
    found = with_names if len(with_names) == 1 else found
    if len(found) != 1:
        raise InputError(f"{source}: expected one dataset yaml, found {len(found)}; pass the yaml itself")
    return found[0]


def read_names(data: dict, where: str) -> tuple[list[str], list[Finding]]:
    """Class names from a list or an {id: name} mapping; whitespace stripped, nc compared."""
    raw = data.get("names")
    if isinstance(raw, dict):
        if sorted(raw) != list(range(len(raw))):
            raise InputError(f"{where}: names: ids {sorted(raw)} are not 0..{len(raw) - 1}")
        raw = [raw[i] for i in range(len(raw))]
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: names: missing or not a list of class names")
    findings, names = [], []
    for index, name in enumerate(raw):
        name = str(name)
        if name != name.strip():
            findings.append(
                Finding(where, None, f"class {index} name {name!r} has stray whitespace; stripped", "warning")
            )
        names.append(name.strip())
    if len(set(names)) != len(names):
        raise InputError(f"{where}: names repeat: {names}")
    if "nc" in data and data["nc"] != len(names):
        findings.append(Finding(where, None, f"nc is {data['nc']} but {len(names)} names are listed", "error"))
    return names, findings


def _by_tail(text: str, base: Path) -> Path | None:
    """The longest tail of a path written elsewhere that is a folder under `base`: `<dataset>/train/images` (as
    written from the folder above the dataset), `C:\\...\\images\\val`. A tail of one folder must name a
    split (`valid/`): a lone `images/` could be any split's."""
    parts = [p for p in re.split(r"[\\/]+", text) if p and p not in (".", "..") and not p.endswith(":")]
    for start in range(len(parts)):
        tail = parts[start:]
        if len(tail) == 1 and split_of(Path(tail[0])) is None:
            return None
        if base.joinpath(*tail).is_dir():
            return base.joinpath(*tail)
    return None


def resolve_split(split: str, text: str, base: Path, where: str) -> tuple[Path | None, list[Finding]]:
    """The folder a yaml split points to, with a finding when it had to be guessed or is missing."""
    if WINDOWS_PATH.match(text) or PurePosixPath(text).is_absolute():
        found = _by_tail(text, base)
        kind = "Windows" if WINDOWS_PATH.match(text) else "absolute"
        if found:
            reason = f"{split}: {kind} path {text!r} found as {found.relative_to(base)} under the yaml's folder"
            return found, [Finding(where, None, reason, "warning")]
        return None, [Finding(where, None, f"{split}: {kind} path {text!r} does not exist here", "error")]
    direct = base / text
    if direct.is_dir():
        return direct, []
    if text.startswith("../") and (base / text[3:]).is_dir():
        reason = f"{split}: {text!r} does not exist; found {text[3:]!r} (Ultralytics drops a leading ../)"
        return base / text[3:], [Finding(where, None, reason, "warning")]
    found = _by_tail(text, base)
    if found:
        used = found.relative_to(base).as_posix()
        reason = (
            f"{split}: {text!r} does not exist under the yaml's folder; found {used!r} there by its trailing "
            f"folders (a path written from another folder, as labelling tools write them); {used} used"
        )
        return found, [Finding(where, None, reason, "warning")]
    return _loose_folder(split, text, base / text[3:] if text.startswith("../") else direct, where)


def _loose_folder(split: str, text: str, missing: Path, where: str) -> tuple[Path | None, list[Finding]]:
    """`<split>/images` is missing but `<split>/` holds labelled images directly (prasatko's test/): take those.

    Ultralytics reads a label beside an image whose path has no `images/` part, so the labelled
    images there are the split; the unlabelled ones are left out (read_split), since in a folder
    the yaml never named they are photos kept to try the model on, not backgrounds.
    """
    parent, missing_text = missing.parent, f"{split}: folder {text!r} does not exist"
    if missing.name != "images" or not parent.is_dir():
        return None, [Finding(where, None, missing_text, "error")]
    images = [p for p in parent.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    labelled = [p for p in images if p.with_suffix(".txt").is_file()]
    held = f"{parent.name}/ holds {len(images)} images directly, outside an images/ folder"
    if not images:
        return None, [Finding(where, None, missing_text, "error")]
    if not labelled:
        return None, [Finding(where, None, f"{missing_text} ({held}, none with a label file beside it; not imported)",
                              "error")]
    reason = f"{missing_text}; {held}: took the {len(labelled)} with a label file beside it as {split}"
    return parent, [Finding(where, None, reason, "warning")]


def _label_of(image: Path) -> Path:
    return label_path(image) if "images" in image.parts else image.with_suffix(".txt")


def read_split(
    split: str, folder: Path, names: list[str], labelled_only: bool = False
) -> tuple[list[SourceItem], list[Finding]]:
    """Every image of one split with its parsed labels (`labelled_only`: those with a label file); label files with
    no image are reported."""
    items, findings = [], []
    images = list_images(folder)
    for image in images:
        label_file = _label_of(image)
        if labelled_only and not label_file.is_file():
            reason = f"{split}: no label file beside it outside an images/ folder: a photo to try, not imported"
            findings.append(Finding(str(image), None, reason, "note"))
            continue
        item = SourceItem(split, image, str(image.relative_to(folder)))
        if label_file.is_file():
            item.label_file = label_file
            item.labels, item.findings = parse_label_file(label_file, len(names))
        items.append(item)
    label_dir = _label_of(folder / "x.jpg").parent
    cache = label_dir.with_suffix(".cache")
    if cache.is_file():
        reason = "Ultralytics label cache shipped with the data; ignored (labels are read from the .txt files)"
        findings.append(Finding(str(cache), None, reason, "note"))
    stems = {_label_of(i) for i in images}
    for orphan in sorted(label_dir.rglob("*.txt")) if label_dir.is_dir() else []:
        if orphan not in stems:
            findings.append(Finding(str(orphan), None, "label file without an image; ignored", "warning"))
    return items, findings


def read_yolo(source: Path) -> SourceDataset:
    yaml_path = find_yaml(source)
    where = str(yaml_path)
    try:
        data = yaml.safe_load(yaml_path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a mapping with train/val/names")
    names, findings = read_names(data, where)
    dataset = SourceDataset(yaml_path.parent, "yolo", names, findings=findings)
    base, seen = _base(data, yaml_path, dataset.findings), {}
    for split, key in zip(SPLITS, ("train", "val", "test"), strict=True):
        if _as_list(data.get(key)):
            dataset.declared[split] = f"{yaml_path.name} {key}: " + ", ".join(repr(str(t)) for t in _as_list(data[key]))
        for text in _as_list(data.get(key)):
            folder, found = resolve_split(split, str(text), base, where)
            dataset.findings += found
            if folder and folder.resolve() in seen:
                reason = f"{split}: same folder as {seen[folder.resolve()]}; every image would leak; {split} skipped"
                dataset.findings.append(Finding(where, None, reason, "error"))
            elif folder:
                seen[folder.resolve()] = split
                loose = Path(str(text)).name == "images" and folder.name != "images"  # see _loose_folder
                items, found = read_split(split, folder, names, labelled_only=loose)
                dataset.items += items
                dataset.findings += found
    return dataset


def _base(data: dict, yaml_path: Path, findings: list[Finding]) -> Path:
    """The `path:` key when it exists on this machine, else the yaml's own folder."""
    text = data.get("path")
    if text and not (yaml_path.parent / str(text)).is_dir():
        reason = f"path: {text!r} does not exist here; splits taken relative to the yaml's folder"
        findings.append(Finding(str(yaml_path), None, reason, "warning"))
        return yaml_path.parent
    return yaml_path.parent / str(text) if text else yaml_path.parent


def _as_list(value: object) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


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


def listed_splits(found: Inventory, declared: dict[str, str]) -> dict[Path, str]:
    """Image -> split from obj.data's train/valid/test lists (paths as darknet wrote them, found by their tail);
    each list obj.data names goes to `declared`."""
    splits = {}
    for obj_data in (p for p in found.class_lists if p.name == "obj.data"):
        for key, value in _darknet(obj_data).items():
            if key in DARKNET_SPLITS:
                declared.setdefault(DARKNET_SPLITS[key], f"{obj_data.name} {key} = {value}")
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
    listed, class_dirs = listed_splits(found, dataset.declared), sorted({p.parent for p in found.class_lists})
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
