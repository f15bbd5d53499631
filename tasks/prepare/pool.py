"""The unlabelled pool that `mine` scores, when `prepare.source: datasets`: from photos, or from withheld labels.

- `prepare.pool: [NAME, ...]` names unlabelled imports (`yoloop import DIR --name NAME
  --unlabelled`): their pictures go to data/pool/images, each once, and never one that the
  prepared (labelled) dataset holds; data/oracle stays empty, since nobody knows their boxes.
- `prepare.oracle: {split, share}` withholds the labels of a seeded, hash-stable `share` of
  one prepared split: those images go to data/pool/images and their labels to
  data/oracle/labels, the layout the built-in source writes and tasks/loop/rounds.py reads,
  so the oracle loop and the label-efficiency benchmark run on real data through params.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tasks.core import MANIFEST, Finding, InputError, OracleParams, read_manifest, write_labels
from tasks.prepare.merge import MergedImage, unit_hash


def _pool_manifest(raw: Path, name: str) -> dict:
    path = raw / name / MANIFEST
    if not path.is_file():
        raise InputError(f"prepare.pool: {name}: {path} missing; run `yoloop import DIR --name {name} --unlabelled`")
    manifest = read_manifest(path.parent)
    if manifest.get("format") != "unlabelled":
        raise InputError(
            f"prepare.pool: {name} is a labelled dataset ({manifest.get('format')}); import photos with "
            "--unlabelled, or set prepare.oracle to withhold the labels of a labelled split"
        )
    return manifest


def pool_file_name(dataset: str, rel: str) -> str:
    """A flat, unique name in data/pool/images: the dataset, then the path inside its images/pool/."""
    inside = Path(rel).relative_to("images/pool") if rel.startswith("images/pool/") else Path(rel)
    return f"{dataset}__{'__'.join(inside.parts)}"


def fill_pool(raw: Path, names: list[str], labelled: dict[str, str], pool: Path) -> tuple[int, list[Finding]]:
    """Copy the pictures of the unlabelled imports `names` into pool/images; how many, and what was left out."""
    kept: dict[str, str] = {}
    findings = []
    for name in names:
        for entry in _pool_manifest(raw, name)["images"]:
            where = f"{name}/{entry['file']}"
            if entry["sha256"] in labelled:
                reason = f"labelled in the prepared dataset ({labelled[entry['sha256']]}); left out of the pool"
                findings.append(Finding(where, None, reason, "note"))
            elif entry["sha256"] in kept:
                findings.append(Finding(where, None, f"same picture as {kept[entry['sha256']]}; kept once", "note"))
            else:
                kept[entry["sha256"]] = where
                target = pool / "images" / pool_file_name(name, entry["file"])
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(raw / name / entry["file"], target)
    if not kept:
        raise InputError(f"prepare.pool: {', '.join(names)}: no picture left for the pool (all already labelled?)")
    return len(kept), findings


def withhold(
    images: list[MergedImage], oracle: OracleParams, seed: int
) -> tuple[list[MergedImage], list[MergedImage], Finding]:
    """Split `oracle.split` into the images that keep their labels and those whose labels are withheld.

    Each photo draws its own number from (seed, its group or hash), so the same photo is withheld
    whatever else the datasets hold; copies of one photo stay on one side."""
    chosen = [i for i in images if i.split == oracle.split]
    withheld = [i for i in chosen if unit_hash(seed, f"oracle:{i.group or i.sha256}") < oracle.share]
    if not withheld or len(withheld) == len(chosen):
        raise InputError(
            f"prepare.oracle: share {oracle.share:g} of the {len(chosen)} {oracle.split} images withholds "
            f"{len(withheld)}: nothing would be {'withheld' if not withheld else 'left to train on'}"
        )
    held = {id(i) for i in withheld}
    reason = (
        f"prepare.oracle: labels of {len(withheld)} of the {len(chosen)} {oracle.split} images withheld "
        f"({len(withheld) / len(chosen):.0%}, asked {oracle.share:.0%}): images in the pool, labels with the oracle"
    )
    return [i for i in images if id(i) not in held], withheld, Finding("params.yaml", None, reason, "note")


def write_oracle(
    withheld: list[MergedImage], file_name: Callable[[MergedImage], str], pool: Path, oracle: Path
) -> None:
    """Each withheld image into pool/images, its labels into oracle/labels/<stem>.txt (the built-in layout)."""
    for image in withheld:
        target = pool / "images" / file_name(image)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image.file, target)
        write_labels(oracle / "labels" / f"{target.stem}.txt", image.labels)
