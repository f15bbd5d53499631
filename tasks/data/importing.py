"""One import from source to checked images, labelled or not: read, make sure there is something, check, decide.

`import_dataset` is `yoloop import`: read -> validate -> policy -> copy -> dvc add.
`read_checked` is what it runs before it writes anything: an import that
finds no image, or images but no label file or annotation at all, or nothing left once
the bad files are set aside, or a split the source declares with no image to import,
stops here with an InputError (exit 2) that says what was looked for and where, so that
no empty dataset or split is ever written and `dvc add`ed. A second label set of the
same images (VOC beside YOLO, ...) is named and compared (tasks/data/label_sets.py). An
unlabelled import also leaves out every picture already in a labelled dataset under
data/raw (by sha256 against their manifests): a labelled photo never enters the pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tasks.core import IMAGE_SUFFIXES, MANIFEST, Finding, ImportParams, InputError, errors_in, read_manifest
from tasks.data.import_splits import near_leak_findings, require_declared_splits
from tasks.data.label_sets import other_label_sets
from tasks.data.layouts import inventory
from tasks.data.raw_copy import check_dataset_name, write_raw_copy
from tasks.data.read_unlabelled import VIDEO_SUFFIXES, read_unlabelled
from tasks.data.source import SourceDataset
from tasks.data.validate_import import CheckedImage, ValidationFailed, all_findings, read_source, validate
from tasks.versioning import version_with_dvc

SHOWN_ERRORS = 10


@dataclass
class CheckedImport:
    dataset: SourceDataset
    checked: list[CheckedImage]
    findings: list[Finding]


def _first_errors(dataset: SourceDataset) -> list[str]:
    found = errors_in([*dataset.findings, *(f for item in dataset.items for f in item.findings)])
    more = [f"  ... {len(found) - SHOWN_ERRORS} more"] if len(found) > SHOWN_ERRORS else []
    return [f"  {f}" for f in found[:SHOWN_ERRORS]] + more


def require_labelled_images(dataset: SourceDataset, source: Path) -> None:
    """Some image with a label file or an annotation, or an InputError saying what was looked for where."""
    if not dataset.items:
        images = len(inventory(source).images) if source.is_dir() else 0
        what = (
            f"{images} images there, but no {dataset.format.upper()} annotation matched any of them"
            if images
            else f"no image ({', '.join(IMAGE_SUFFIXES)}, any case, at any depth)"
        )
        raise InputError([f"{source}: nothing to import ({dataset.format}): {what}", *_first_errors(dataset)])
    if not any(item.label_file for item in dataset.items):
        raise InputError(
            f"{source}: {len(dataset.items)} images but no label file at all (looked for labels/<split>/<stem>.txt "
            "as Ultralytics does, <stem>.txt beside each image, and beside the class list); "
            "for photos without labels use --unlabelled"
        )


def require_media(dataset: SourceDataset, source: Path) -> None:
    if not dataset.items:
        kinds = ", ".join(IMAGE_SUFFIXES + VIDEO_SUFFIXES)
        raise InputError(
            [
                f"{source}: no image or video to import (looked for {kinds}, any case, at any depth)",
                *_first_errors(dataset),
            ]
        )


def labelled_hashes(raw: Path, skip: str | None = None) -> dict[str, str]:
    """sha256 -> name of the labelled dataset under `raw` that holds the picture."""
    known = {}
    for manifest_path in sorted(raw.glob(f"*/{MANIFEST}")) if raw.is_dir() else []:
        if manifest_path.parent.name == skip:
            continue
        manifest = read_manifest(manifest_path.parent)
        if manifest.get("format") != "unlabelled":
            known.update({entry["sha256"]: manifest_path.parent.name for entry in manifest["images"]})
    return known


def leave_out_labelled(
    checked: list[CheckedImage], known: dict[str, str], dataset: SourceDataset
) -> list[CheckedImage]:
    """The pool without pictures that a labelled dataset already holds (one note for each left out)."""
    kept = []
    for image in checked:
        holder = known.get(image.check.sha256)
        if holder:
            reason = f"already in the labelled dataset {holder}; left out of the pool"
            dataset.findings.append(Finding(str(image.item.image), None, reason, "note"))
        else:
            kept.append(image)
    return kept


def _decide(
    dataset: SourceDataset, checked: list[CheckedImage], params: ImportParams, source: Path, labelled: bool = True
) -> CheckedImport:
    """A declared split that imports nothing stops either policy; then strict stops on any error; lenient goes on
    unless nothing at all would be imported."""
    if labelled:
        dataset.findings += require_declared_splits(checked, dataset, params, source)
        dataset.findings += near_leak_findings(checked, params, str(dataset.root))
    findings = all_findings(dataset, checked)
    if params.policy == "strict" and errors_in(findings):
        raise ValidationFailed(findings)
    if not any(image.ok and image.duplicate_of is None for image in checked):
        raise InputError(
            [
                f"{source}: nothing left to import: every one of the {len(dataset.items)} images was rejected or left out",
                *(f"  {f}" for f in errors_in(findings)[:SHOWN_ERRORS]),
            ]
        )
    return CheckedImport(dataset, checked, findings)


@contextmanager
def read_checked(
    source: Path, fmt: str, params: ImportParams, raw: Path, unlabelled: bool = False, name: str | None = None
) -> Iterator[CheckedImport]:
    """The checked import, ready to be written; video frames live in a scratch folder until the block ends."""
    if not source.exists():
        raise InputError(f"{source}: does not exist")
    if not unlabelled:
        dataset = read_source(source, fmt)
        dataset.findings += other_label_sets(source, dataset, params.agreement_iou)
        require_labelled_images(dataset, source)
        yield _decide(dataset, validate(dataset), params, source)
        return
    with read_unlabelled(source, params.video_fps, params.frame_duplicate_bits) as dataset:
        require_media(dataset, source)
        checked = validate(dataset, label="unlabelled import check")
        checked = leave_out_labelled(checked, labelled_hashes(raw, skip=name), dataset)
        yield _decide(dataset, checked, params, source, labelled=False)


@dataclass
class ImportResult:
    dest: Path
    report: dict
    summary: str
    versioning: str


def import_dataset(
    source: Path,
    name: str,
    fmt: str = "auto",
    params: ImportParams | None = None,
    *,
    raw: Path,
    use_dvc: bool = True,
    unlabelled: bool = False,
) -> ImportResult:
    """Import `source` into `raw/name` (the project's data/raw); strict policy raises ValidationFailed listing
    every finding. Nothing to import (no image, no label at all, nothing kept) is an InputError, and nothing
    is written."""
    params = params or ImportParams()
    check_dataset_name(name)
    dest = raw / name
    with read_checked(source, fmt, params, raw, unlabelled=unlabelled, name=name) as found:
        report = write_raw_copy(found.dataset, found.checked, found.findings, dest, params)
    versioning = version_with_dvc(dest) if use_dvc else "DVC skipped"
    return ImportResult(dest, report, (dest / "report.txt").read_text(), versioning)
