"""Take corrected labels back from a labelling tool into a new, DVC-tracked dataset version.

`yoloop labels import DIR`: DIR holds YOLO label files (`DIR/labels/*.txt`, CVAT's YOLO 1.1
export `DIR/obj_train_data/*.txt`, or `DIR/*.txt`), one per image of a relabel batch
(data/relabel/round-N), with the batch's class list (its manifest's `names`, which is the
prepared dataset's). Every file goes through the same gate as dataset import
(tasks/data/label_check.py). Any error, any fix the gate would have to make silently (a polygon,
a box past the edge, a duplicate line), a label for an image that is not in the batch, or an
unknown class rejects the whole import: the reasons are printed and saved, and nothing changes.
Otherwise data/labels/round-N is rebuilt atomically (earlier imports of the same round, with
the new files over them) and `dvc add`ed; no other label anywhere is touched.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from tasks.core import MANIFEST, Finding, InputError, atomic_dir, read_manifest, state_dir, write_json
from tasks.data import check_label_file
from tasks.labelling.batch_files import round_manifests

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


def find_batch(returned: Path, relabel: Path, stems: set[str]) -> Path:
    """The relabel round DIR answers: named by its own manifest, else the round holding most of its images."""
    if (returned / MANIFEST).exists():
        round_number = read_manifest(returned).get("round")
        batch = relabel / f"round-{round_number}"
        if not (batch / MANIFEST).exists():
            raise InputError(f"{returned / MANIFEST}: round {round_number} has no batch in {relabel}")
        return batch
    overlap = {
        folder: len(stems & {Path(e["file"]).stem for e in manifest["images"]})
        for folder, manifest in round_manifests(relabel).items()
    }
    if not overlap or max(overlap.values()) == 0:
        raise InputError(f"{returned}: none of its {len(stems)} label files belongs to a relabel batch in {relabel}")
    return max(overlap, key=lambda batch: overlap[batch])


def check_returned(files: list[Path], batch: Path) -> list[Finding]:
    """Findings that block the import: images outside the batch, and whatever the label gate finds."""
    manifest = read_manifest(batch)
    in_batch = {Path(e["file"]).stem for e in manifest["images"]}
    findings: list[Finding] = []
    if not files:
        findings.append(Finding(str(batch), None, "no label files (*.txt) returned", "error"))
    for path in files:
        if path.stem not in in_batch:
            findings.append(
                Finding(str(path), None, f"image {path.stem} is not in relabel batch {batch.name}", "error")
            )
            continue
        findings += check_label_file(path, len(manifest["names"]))
    return [f for f in findings if f.severity in BLOCKING]


def quarantine_report(returned: Path, findings: list[Finding]) -> Path:
    """Keep the reasons (the returned files themselves stay where they are, untouched)."""
    report = state_dir() / "quarantine" / f"labels-import-{time.strftime('%Y%m%dT%H%M%S')}.json"
    write_json(report, {"returned": str(returned.resolve()), "findings": [f.as_dict() for f in findings]})
    return report


def merge_round(files: list[Path], batch: Path, dest: Path) -> Path:
    """data/labels/round-N: what earlier imports of this round brought, then the returned files over it."""
    manifest = read_manifest(batch)
    by_stem = {Path(e["file"]).stem: e for e in manifest["images"]}
    with atomic_dir(dest) as staging:
        if dest.exists():
            shutil.copytree(dest, staging, dirs_exist_ok=True)
        (staging / "images").mkdir(exist_ok=True)
        (staging / "labels").mkdir(exist_ok=True)
        for path in files:
            name = by_stem[path.stem]["file"]
            shutil.copyfile(batch / "images" / name, staging / "images" / name)
            shutil.copyfile(path, staging / "labels" / f"{path.stem}.txt")
        stems = sorted(p.stem for p in (staging / "labels").glob("*.txt"))
        entries = [by_stem[s] for s in stems]
        write_json(staging / MANIFEST, {"round": manifest["round"], "names": manifest["names"], "images": entries})
    return dest


def import_labels(returned: Path, relabel: Path, labels: Path) -> tuple[Path, int]:
    """Validate DIR against its batch and merge it into data/labels/round-N; (that folder, files imported)."""
    files = returned_label_files(returned)
    batch = find_batch(returned, relabel, {p.stem for p in files})
    names = read_manifest(batch)["names"]
    blocking = class_list_findings(returned, names) + check_returned(files, batch)
    if blocking:
        report = quarantine_report(returned, blocking)
        raise InputError([str(f) for f in blocking] + [f"nothing was imported; the reasons are saved in {report}"])
    return merge_round(files, batch, labels / batch.name), len(files)
