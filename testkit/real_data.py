"""The real datasets of ../shared/datasets (read-only): tests and benchmarks copy them to a temporary folder first."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from testkit.processes import PROJECT


class RealDataMissing(LookupError):
    """The real datasets are not on this machine: a test skips, a benchmark stops, each saying so."""


def candidates() -> list[Path]:
    """Where the datasets may be: $YOLOOP_REAL_DATASETS alone when set, else beside the checkout, then /work/shared."""
    named = os.environ.get("YOLOOP_REAL_DATASETS", "")
    return [Path(named)] if named else [PROJECT.parent / "shared" / "datasets", Path("/work/shared/datasets")]


def real_datasets() -> Path:
    found = next((c for c in candidates() if (c / "PROVENANCE.md").is_file()), None)
    if found is None:
        looked = ", ".join(str(c) for c in candidates())
        raise RealDataMissing(f"the real datasets are not here: no PROVENANCE.md in {looked} (YOLOOP_REAL_DATASETS)")
    return found


def copy_real(name: str, dest: Path) -> Path:
    """A private copy of one dataset folder (plysaci, coco128, bccd)."""
    target = dest / name
    if not target.exists():
        shutil.copytree(real_datasets() / name, target)
    return target


def tree_digest(root: Path) -> str:
    """One hash over every file's path and bytes: equal before and after means nothing was touched."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
