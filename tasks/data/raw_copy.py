"""The canonical copy of an imported dataset: data/raw/<name> (`yoloop import` then `dvc add`s it).

Layout: images/<split>/, labels/<split>/ (YOLO), data.yaml, manifest.json (per image:
source path, sha256, size, split, boxes), report.json and report.txt (every finding,
and the quarantined files with their reasons), quarantine/ (copies of the rejected
files; nothing is deleted, the source is never touched), stats.json and class_stats.png.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tasks.core import InputError

from tasks.core import Finding, summarize
from tasks.data.image_check import inspect_image
from tasks.data.import_splits import count_splits, splits_line
from tasks.data.validate_import import CheckedImage
from tasks.core import ImportParams
from tasks.data.source import POOL_SPLIT, SPLITS, SourceDataset
from tasks.data.class_stats import imbalance_findings, plot_class_stats, split_stats
from tasks.core import MANIFEST, atomic_dir, write_data_yaml, write_json, write_labels


def check_dataset_name(name: str) -> None:
    """A dataset's name becomes a folder of data/raw: letters, digits, '_', '-' and '.' only."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise InputError(f"--name {name!r}: use letters, digits, '_', '-' or '.' only")


def _unique(name: str, taken: set[str]) -> str:
    candidate, index = name, 1
    while candidate in taken:
        candidate, index = f"{Path(name).parent / f'{index}_{Path(name).name}'}", index + 1
    taken.add(candidate)
    return candidate


def write_image(image: CheckedImage, dest: Path) -> None:
    """The source bytes when the pixels are as they are; else the converted, upright 8-bit RGB."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not image.check.converts:
        shutil.copyfile(image.item.image, dest)
        return
    pixels = inspect_image(image.item.image, keep_pixels=True).converted
    if dest.suffix == ".jpg":
        pixels.save(dest, "JPEG", quality=95)
    else:
        pixels.save(dest)


def _entry(image: CheckedImage, rel: str, source_root: Path) -> dict:
    item, check = image.item, image.check
    source = item.image.relative_to(source_root) if item.image.is_relative_to(source_root) else item.image
    extra = {k: v for k, v in (("group", item.group), ("origin", item.origin)) if v}
    return {
        **extra,
        "file": rel,
        "source": item.origin or str(source),
        "sha256": check.sha256,
        "dhash": check.dhash,
        "phash": check.phash,
        "width": check.width,
        "height": check.height,
        "split": item.split,
        "boxes": [[b.cls, round(b.x, 6), round(b.y, 6), round(b.w, 6), round(b.h, 6)] for b in item.labels],
    }


def quarantine(image: CheckedImage, root: Path, source_root: Path) -> dict:
    """Copy the image (and its own label file) aside, with the reasons; the source stays as it is."""
    item = image.item
    rel = item.image.relative_to(source_root) if item.image.is_relative_to(source_root) else Path(item.image.name)
    target = root / "quarantine" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(item.image, target)
    if item.label_file and item.label_file.suffix in (".txt", ".xml") and item.label_file.is_file():
        label_rel = item.label_file.relative_to(source_root) if item.label_file.is_relative_to(source_root) else None
        label_target = root / "quarantine" / (label_rel or Path(item.label_file.name))
        label_target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.label_file, label_target)
    reasons = [str(f) for f in image.findings if f.severity == "error"]
    return {"file": str(Path("quarantine") / rel), "source": str(item.image), "reasons": reasons}


def write_raw_copy(
    dataset: SourceDataset, checked: list[CheckedImage], findings: list[Finding], dest: Path, params: ImportParams
) -> dict:
    """Write the canonical copy atomically; return the report (also saved as report.json).

    An unlabelled import (format `unlabelled`) has images/pool/ and no labels, data.yaml or class stats."""
    labelled = dataset.format != "unlabelled"
    with atomic_dir(dest) as root:
        manifest, quarantined, taken = [], [], set()
        for image in checked:
            if not image.ok:
                quarantined.append(quarantine(image, root, dataset.root))
            elif image.duplicate_of is None:
                name = _unique(str(Path(image.item.name).with_suffix(image.check.suffix)), taken)
                rel = f"images/{image.item.split}/{name}"
                write_image(image, root / rel)
                if labelled:
                    write_labels((root / rel.replace("images/", "labels/", 1)).with_suffix(".txt"), image.item.labels)
                manifest.append(_entry(image, rel, dataset.root))
        if labelled:
            findings = [*findings, *_write_stats(dataset, root, dest, params)]
        write_json(
            root / MANIFEST,
            {"source": str(dataset.root), "format": dataset.format, "names": dataset.names, "images": manifest},
        )
        counts = count_splits(dataset, checked) if labelled else []
        report = _report(dataset, manifest, quarantined, findings, params)
        report["splits"] = {c.split: {"declared": c.declared, "found": c.found, "imported": c.imported} for c in counts}
        write_json(root / "report.json", report)
        title = f"import of {dataset.root} ({dataset.format})" + (f"\n{splits_line(counts)}" if counts else "")
        (root / "report.txt").write_text(summarize(findings, title) + "\n")
    return report


def _write_stats(dataset: SourceDataset, root: Path, dest: Path, params: ImportParams) -> list[Finding]:
    """data.yaml, stats.json and class_stats.png of a labelled copy; the imbalance warnings."""
    splits = [s for s in SPLITS if (root / "images" / s).is_dir()]
    write_data_yaml(root / "data.yaml", dataset.names, {s: f"images/{s}" for s in splits})
    stats = {s: split_stats(root / "images" / s, dataset.names) for s in splits}
    plot_class_stats(stats, root / "class_stats.png")
    write_json(root / "stats.json", stats)
    return imbalance_findings(stats, params.imbalance_ratio, str(dest / "stats.json"))


def _report(dataset: SourceDataset, manifest: list, quarantined: list, findings: list[Finding], params) -> dict:
    splits = SPLITS if dataset.format != "unlabelled" else (POOL_SPLIT,)
    return {
        "source": str(dataset.root),
        "format": dataset.format,
        "policy": params.policy,
        "images": {s: sum(1 for m in manifest if m["split"] == s) for s in splits},
        "backgrounds": sum(1 for m in manifest if not m["boxes"]) if dataset.format != "unlabelled" else 0,
        "quarantined": quarantined,
        "findings": [f.as_dict() for f in findings],
    }
