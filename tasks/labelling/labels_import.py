"""Take corrected labels back from a labelling tool into a new, DVC-tracked dataset version.

`yoloop labels import DIR`: DIR holds YOLO label files (`DIR/labels/*.txt`, CVAT's YOLO 1.1
export `DIR/obj_train_data/*.txt`, or `DIR/*.txt`), one per image of a relabel batch
(data/relabel/round-N), with the batch's class list (the `names` of its batch.json, which are the
prepared dataset's). Every file goes through the same gate as dataset import
(tasks/data/label_check.py). Any error, any fix the gate would have to make silently (a polygon,
a box past the edge, a duplicate line), a label for an image that is not in the batch, or an
unknown class rejects the whole import: the reasons are printed and saved, and nothing changes.
Otherwise data/labels/round-N is rebuilt atomically (earlier imports of the same round, with
the new files over them, and manifest.json: the batch's entries of its images) and `dvc add`ed; no
other label anywhere is touched.

DIR names its round with a batch.json (a copy of the batch's: `yoloop relabel pull` writes one, and a
labeller may send the whole batch folder back), or, handed out before the batch file had its name, a
manifest.json (the batch's, or an older pull's {round, label_studio_project}); else the round is the
batch holding most of its images.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from pydantic import ConfigDict

from tasks.core import (
    BATCH_FILE,
    Contract,
    Finding,
    InputError,
    LabelRound,
    RelabelBatch,
    atomic_dir,
    handed_out_batches,
    read_contract,
    read_relabel_batch,
    relabel_batch_file,
    state_dir,
    write_json,
    write_label_round,
)
from tasks.data import check_label_file

BLOCKING = ("error", "warning")


def returned_label_files(returned: Path) -> list[Path]:
    """`labels/*.txt`, CVAT's YOLO 1.1 export (`obj_train_data/*.txt`), or `*.txt` at the top."""
    for folder in (returned / "labels", returned / "obj_train_data"):
        if folder.is_dir():
            return sorted(folder.glob("*.txt"))
    return sorted(returned.glob("*.txt"))


def class_list_findings(returned: Path, names: list[str]) -> list[Finding]:
    """CVAT's YOLO 1.1 export names its classes in obj.names: they must be the batch's, in its order."""
    listed = returned / "obj.names"
    if listed.exists() and listed.read_text().split() != names:
        reason = f"classes {listed.read_text().split()} differ from the batch's {names} (same names, same order)"
        return [Finding(str(listed), None, reason, "error")]
    return []


class LegacyReturnedRound(Contract):
    """A returned folder's manifest.json from before batch.json: the batch's, or a pull's; only its round counts."""

    model_config = ConfigDict(extra="allow")

    round: int


def returned_round(returned: Path) -> tuple[Path, int] | None:
    """The file naming the round DIR answers, and that round; None when DIR names none."""
    path = relabel_batch_file(returned)
    if path is None:
        return None
    if path.name == BATCH_FILE:
        return path, read_relabel_batch(returned).round
    return path, read_contract(path, LegacyReturnedRound).round


def find_batch(returned: Path, relabel: Path, stems: set[str]) -> Path:
    """The relabel round DIR answers: named by its own batch file, else the round holding most of its images."""
    named = returned_round(returned)
    if named is not None:
        path, round_number = named
        batch = relabel / f"round-{round_number}"
        if relabel_batch_file(batch) is None:
            raise InputError(f"{path}: round {round_number} has no batch in {relabel}")
        return batch
    overlap = {
        folder: len(stems & {Path(e.file).stem for e in listed.images})
        for folder, listed in handed_out_batches(relabel).items()
    }
    if not overlap or max(overlap.values()) == 0:
        raise InputError(f"{returned}: none of its {len(stems)} label files belongs to a relabel batch in {relabel}")
    return max(overlap, key=lambda batch: overlap[batch])


def check_returned(files: list[Path], batch: Path, listed: RelabelBatch) -> list[Finding]:
    """Findings that block the import: images outside the batch, and whatever the label gate finds."""
    in_batch = {Path(e.file).stem for e in listed.images}
    findings: list[Finding] = []
    if not files:
        findings.append(Finding(str(batch), None, "no label files (*.txt) returned", "error"))
    for path in files:
        if path.stem not in in_batch:
            findings.append(
                Finding(str(path), None, f"image {path.stem} is not in relabel batch {batch.name}", "error")
            )
            continue
        findings += check_label_file(path, len(listed.names))
    return [f for f in findings if f.severity in BLOCKING]


def quarantine_report(returned: Path, findings: list[Finding]) -> Path:
    """Keep the reasons (the returned files themselves stay where they are, untouched)."""
    report = state_dir() / "quarantine" / f"labels-import-{time.strftime('%Y%m%dT%H%M%S')}.json"
    write_json(report, {"returned": str(returned.resolve()), "findings": [f.as_dict() for f in findings]})
    return report


def merge_round(files: list[Path], batch: Path, listed: RelabelBatch, dest: Path) -> Path:
    """data/labels/round-N: what earlier imports of this round brought, then the returned files over it."""
    by_stem = {Path(e.file).stem: e for e in listed.images}
    with atomic_dir(dest) as staging:
        if dest.exists():
            shutil.copytree(dest, staging, dirs_exist_ok=True)
        (staging / "images").mkdir(exist_ok=True)
        (staging / "labels").mkdir(exist_ok=True)
        for path in files:
            name = by_stem[path.stem].file
            shutil.copyfile(batch / "images" / name, staging / "images" / name)
            shutil.copyfile(path, staging / "labels" / f"{path.stem}.txt")
        stems = sorted(p.stem for p in (staging / "labels").glob("*.txt"))
        entries = [by_stem[s] for s in stems]
        write_label_round(staging, LabelRound(round=listed.round, names=listed.names, images=entries))
    return dest


def import_labels(returned: Path, relabel: Path, labels: Path) -> tuple[Path, int]:
    """Validate DIR against its batch and merge it into data/labels/round-N; (that folder, files imported)."""
    files = returned_label_files(returned)
    batch = find_batch(returned, relabel, {p.stem for p in files})
    listed = read_relabel_batch(batch)
    blocking = class_list_findings(returned, listed.names) + check_returned(files, batch, listed)
    if blocking:
        report = quarantine_report(returned, blocking)
        raise InputError([str(f) for f in blocking] + [f"nothing was imported; the reasons are saved in {report}"])
    return merge_round(files, batch, listed, labels / batch.name), len(files)
