"""Merge imported datasets (data/raw/<name>) into one training set: classes by name, no duplicates, no leaks.

A class keeps its name, not its id: `prasatko` is id 0 in its own set and id 2
once merged with `oslik, ovecka`. The same picture (by content hash) is kept once, with
the boxes of the set that labels the most classes (3plysaci labels the donkey beside the
pig, prasatko only the pig); when its copies sit in different splits, that is a leak:
strict stops, lenient keeps the train copy and drops the others; so are near-identical
pictures in two splits (on by default: imports.near_duplicates), and when more than
imports.max_leak_share of a val or test split leaks, prepare stops under both policies
(tasks/prepare/splits.py). Re-splitting draws groups by a hash of their content (a photo's
copies, chains of near-identical frames), so a picture lands in the same split whatever
the order of the datasets; a copy the sources leak is then no leak, only a duplicate, and
the finding says where the one copy went. Every copy left out is listed in
data/prepared/left_out.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.core import MANIFEST, DatasetRef, Finding, ImportParams, InputError, Label, ResplitParams, read_manifest
from tasks.data import SPLITS, leaks_across
from tasks.prepare.splits import (
    leak_shares,
    near_identical,
    resplit,
    resplit_report,
    scene_keys,
    stop_on_leak_share,
    unit_hash,
)

__all__ = ["MergedImage", "load_raw", "merge_datasets", "left_out_table", "unit_hash"]

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
    labelled: tuple[str, ...] = ()  # the classes its dataset labels: of two copies, the one labelling more wins
    source_split: str = ""  # the split its dataset gave it (re-splitting changes `split`, never this)
    phash: str = ""  # with dhash, tells near-identical pictures; "" in manifests written before it was kept
    copies: list[MergedImage] = field(default_factory=list)  # copies of this picture the merge left out

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
    images, labelled = [], tuple(n for n in names if n in manifest["names"])
    for entry in manifest["images"]:
        if entry["split"] not in ref.splits:
            continue
        labels = [Label(remap[b[0]], *b[1:]) for b in entry["boxes"] if b[0] in remap]
        file = raw / ref.name / entry["file"]
        split, group = ref.splits[entry["split"]], entry.get("group") or entry["sha256"]
        image = MergedImage(ref.name, entry["file"], file, entry["sha256"], entry["dhash"], split, labels, group)
        image.labelled, image.source_split, image.phash = labelled, split, entry.get("phash", "")
        images.append(image)
    return images, findings


def _keeper(copies: list[MergedImage]) -> MergedImage:
    """The copy in the earliest split; when their boxes differ, the one whose dataset labels the most classes
    (the others count its classes as background); else the first listed."""
    earliest = min(SPLIT_ORDER[c.split] for c in copies)
    candidates = [c for c in copies if SPLIT_ORDER[c.split] == earliest]
    if all(c.labels == candidates[0].labels for c in candidates):
        return candidates[0]
    return max(candidates, key=lambda c: len(c.labelled))  # ties: the first listed


def dedupe(images: list[MergedImage]) -> list[MergedImage]:
    """Keep each picture once (see `_keeper`); the other copies go to the kept one's `copies`."""
    by_picture: dict[str, list[MergedImage]] = {}
    for image in images:
        by_picture.setdefault(image.sha256, []).append(image)
    kept = []
    for copies in by_picture.values():
        keeper = _keeper(copies)
        keeper.copies = [c for c in copies if c is not keeper]
        kept.append(keeper)
    order = {id(i): n for n, i in enumerate(images)}
    return sorted(kept, key=lambda i: order[id(i)])


def _boxes_note(copy: MergedImage, keeper: MergedImage) -> str:
    if copy.labels == keeper.labels:
        return ""
    if len(keeper.labelled) > len(copy.labelled):
        return (
            f" (its boxes differ; kept {keeper.dataset}'s, which labels {', '.join(keeper.labelled)}: "
            f"{copy.dataset} labels only {', '.join(copy.labelled)})"
        )
    return " (its boxes differ; first kept)"


def copy_kind(copy: MergedImage, keeper: MergedImage) -> str:
    """duplicate (same bytes, same source split), leak (same bytes, another split), near-duplicate (dHash)."""
    if copy.sha256 != keeper.sha256:
        return "near-duplicate"
    return "duplicate" if copy.source_split == keeper.source_split else "leak"


def copy_finding(copy: MergedImage, keeper: MergedImage, resplit: bool) -> Finding:
    """Why `copy` was left out, once the splits are final; a leak of the sources is no leak once re-split."""
    kind = copy_kind(copy, keeper)
    if kind == "duplicate":
        reason = f"same image as {keeper.where}; kept once{_boxes_note(copy, keeper)}"
        return Finding(copy.where, None, reason, "warning")
    if kind == "leak" and resplit:
        reason = (
            f"same image as {keeper.where}: {copy.dataset} has it in {copy.source_split}, {keeper.dataset} in "
            f"{keeper.source_split} (a leak between the sources); kept once, in {keeper.split} (prepare.resplit)"
        )
        return Finding(copy.where, None, reason, "warning")
    same = "same image as" if kind == "leak" else "near-identical to"
    reason = f"{same} {keeper.where} ({keeper.split}): leaks into {copy.split}; left out of {copy.split}"
    return Finding(copy.where, None, reason, "error")


def left_out_table(images: list[MergedImage], resplit: bool) -> list[dict[str, Any]]:
    """Every copy the merge left out: where it was, the copy kept instead and its split, and why."""
    return [
        {
            "image": copy.where,
            "split": copy.split if copy_kind(copy, keeper) == "near-duplicate" else copy.source_split,
            "kept": keeper.where,
            "kept_split": keeper.split,
            "kind": copy_kind(copy, keeper),
            "reason": copy_finding(copy, keeper, resplit).reason,
        }
        for keeper in images
        for copy in keeper.copies
    ]


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
    images = dedupe(images)
    pairs = near_identical(images, checks)
    if fractions is not None:
        keys = scene_keys(images, pairs)
        resplit(images, fractions, seed, keys)
        findings += resplit_report(images, keys, fractions)
    leaks = leaks_across([i.split for i in images], pairs)
    for later, earlier in leaks.items():
        images[earlier].copies += [images[later], *images[later].copies]
    leaked = [images[n] for n in sorted(leaks)]
    examples = [(images[later], images[earlier]) for later, earlier in sorted(leaks.items())]
    images = [image for n, image in enumerate(images) if n not in leaks]
    findings += [copy_finding(c, keeper, fractions is not None) for keeper in images for c in keeper.copies]
    stop_on_leak_share(leak_shares(images, leaked, fractions is not None), checks.max_leak_share, examples)
    if checks.policy == "strict" and any(f.severity == "error" for f in findings):
        raise InputError([str(f) for f in findings if f.severity == "error"])
    return images, findings
