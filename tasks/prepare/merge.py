"""Merge imported datasets (data/raw/<name>) into one training set: classes by name, no duplicates, no leaks.

A class keeps its name, not its id: `prasatko` is id 0 in its own set and id 2
once merged with `oslik, ovecka`. The same picture (by content hash) is kept once;
when its copies sit in different splits, that is a leak: strict stops, lenient keeps
the train copy and drops the others. Re-splitting hashes the content, so a picture
lands in the same split whatever the order or the number of datasets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tasks.core.errors import InputError
from tasks.core.findings import Finding
from tasks.core.schema_data import DatasetRef, ImportParams, ResplitParams
from tasks.core.yolo_files import MANIFEST, Label, read_manifest
from tasks.data.source import SPLITS

SPLIT_ORDER = {split: index for index, split in enumerate(SPLITS)}


@dataclass
class MergedImage:
    dataset: str
    rel: str  # the image's path inside data/raw/<dataset>
    file: Path
    sha256: str
    dhash: str
    split: str
    labels: list[Label]
    group: str = ""  # copies of one photo (Roboflow's augmentations) share it; else the content hash

    @property
    def where(self) -> str:
        return f"{self.dataset}/{self.rel}"


def load_raw(raw: Path, ref: DatasetRef, names: list[str]) -> tuple[list[MergedImage], list[Finding]]:
    """One imported dataset, its split names mapped by `ref.splits`, its class ids remapped to `names` by name."""
    path = raw / ref.name / MANIFEST
    if not path.is_file():
        raise InputError(f"prepare.datasets: {ref.name}: {path} missing; run `yoloop import SOURCE --name {ref.name}`")
    manifest = read_manifest(path.parent)
    if manifest.get("format") == "unlabelled":
        raise InputError(
            f"prepare.datasets: {ref.name} is an unlabelled import (photos without boxes); "
            "name it in prepare.pool instead"
        )
    remap = {i: names.index(n) for i, n in enumerate(manifest["names"]) if n in names}
    findings = [
        Finding(str(path), None, f"class {n!r} is not in prepare.classes; its boxes are left out", "warning")
        for n in manifest["names"]
        if n not in names
    ]
    unlabelled = [n for n in names if n not in manifest["names"]]
    if unlabelled:
        reason = f"labels only {manifest['names']}: any {', '.join(unlabelled)} in its images counts as background"
        findings.append(Finding(str(path), None, reason, "warning"))
    images = []
    for entry in manifest["images"]:
        if entry["split"] not in ref.splits:
            continue
        labels = [Label(remap[b[0]], *b[1:]) for b in entry["boxes"] if b[0] in remap]
        file = raw / ref.name / entry["file"]
        split, group = ref.splits[entry["split"]], entry.get("group") or entry["sha256"]
        images.append(MergedImage(ref.name, entry["file"], file, entry["sha256"], entry["dhash"], split, labels, group))
    return images, findings


def dedupe(images: list[MergedImage]) -> tuple[list[MergedImage], list[Finding]]:
    """Keep each picture once; copies in different splits are a leak (the earliest split keeps it)."""
    kept: dict[str, MergedImage] = {}
    findings = []
    for image in sorted(images, key=lambda i: SPLIT_ORDER[i.split]):
        first = kept.setdefault(image.sha256, image)
        if first is image:
            continue
        if first.split != image.split:
            reason = f"same image as {first.where} ({first.split}): leaks into {image.split}; left out of {image.split}"
            findings.append(Finding(image.where, None, reason, "error"))
        else:
            reason = f"same image as {first.where}; kept once" + (
                "" if first.labels == image.labels else " (its boxes differ; first kept)"
            )
            findings.append(Finding(image.where, None, reason, "warning"))
    order = {id(i): n for n, i in enumerate(images)}
    return sorted(kept.values(), key=lambda i: order[id(i)]), findings


def unit_hash(seed: int, key: str) -> float:
    """A number in [0, 1) fixed by the seed and the key alone: the same picture always draws the same one."""
    return int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:12], 16) / 16**12


def resplit(images: list[MergedImage], fractions: ResplitParams, seed: int) -> None:
    """Deterministic split by content hash: same picture, same seed, same split. Copies of one photo
    (a Roboflow group) draw by the group, so they land in one split together."""
    for image in images:
        u = unit_hash(seed, image.group or image.sha256)
        image.split = "test" if u < fractions.test else "val" if u < fractions.test + fractions.val else "train"


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_leaks(images: list[MergedImage], bits: int) -> list[Finding]:
    """Pictures in val or test within `bits` dHash bits of a picture in an earlier split (re-encoded, resized)."""
    findings, earlier = [], [i for i in images if i.split == "train"]
    for split in ("val", "test"):
        current = [i for i in images if i.split == split]
        for image in current:
            match = next((e for e in earlier if _hamming(e.dhash, image.dhash) <= bits), None)
            if match:
                reason = f"near-identical to {match.where} ({match.split}): leaks into {split}; left out of {split}"
                findings.append(Finding(image.where, None, reason, "error"))
        earlier += current
    return findings


def merge_datasets(
    raw: Path,
    refs: list[DatasetRef],
    names: list[str],
    fractions: ResplitParams | None,
    seed: int,
    checks: ImportParams,
) -> tuple[list[MergedImage], list[Finding]]:
    """All datasets as one list of images; in strict policy any leak stops here with every finding."""
    images, findings = [], []
    for ref in refs:
        loaded, found = load_raw(raw, ref, names)
        images += loaded
        findings += found
    images, found = dedupe(images)
    findings += found
    if fractions is not None:
        resplit(images, fractions, seed)
    if checks.near_duplicates:
        leaks = near_leaks(images, checks.near_duplicate_bits)
        leaked = {f.path for f in leaks}
        images = [i for i in images if i.where not in leaked]
        findings += leaks
    if checks.policy == "strict" and any(f.severity == "error" for f in findings):
        raise InputError([str(f) for f in findings if f.severity == "error"])
    return images, findings
