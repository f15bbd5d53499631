"""`yoloop import SOURCE --name NAME`: wiring of read -> validate -> policy -> copy -> dvc add.

Plain functions, no Prefect flow: an import is a one-off command a person runs and
watches; its result is a DVC-tracked folder, which the prepare flow then reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tasks.core.findings import summarize
from tasks.core.schema_data import ImportParams
from tasks.core.yolo_files import MANIFEST
from tasks.data.importing import read_checked
from tasks.data.raw_copy import check_dataset_name, write_raw_copy
from tasks.data.validate_import import ValidationFailed
from tasks.ops.dvc_repo import version_with_dvc


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


def print_result(result: ImportResult) -> None:
    report = result.report
    print(result.summary)
    print(
        f"images: {report['images']}, backgrounds: {report['backgrounds']}, quarantined: {len(report['quarantined'])}"
    )
    print(f"copy: {result.dest}  (report: {result.dest / 'report.txt'}, manifest: {result.dest / MANIFEST})")
    print(result.versioning)


def print_failure(exc: ValidationFailed) -> None:
    print(summarize(exc.findings, "import stopped (policy: strict); nothing was written"))
