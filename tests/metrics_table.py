"""`dvc metrics show` as a person sees it on a 120-column terminal, and the check that it fits.

DVC prints one table whose columns are every metrics file's keys (nested keys flattened): a metrics
file that grows beyond its headline keys (tasks/core/headline.py) widens the table for every stage.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from testkit.processes import PROJECT, python

TERMINAL_COLUMNS = 120


def dvc_view(root: Path, dest: Path) -> Path:
    """A DVC project (no git) in `dest` with this checkout's dvc.yaml, `root`'s params, metrics and reports:
    what `dvc metrics show` and `dvc plots show` read, for a project that is not a DVC repository."""
    dest.mkdir(parents=True)
    shutil.copy2(PROJECT / "dvc.yaml", dest / "dvc.yaml")
    shutil.copy2(root / "params.yaml", dest / "params.yaml")
    for folder in ("metrics", "reports"):
        shutil.copytree(root / folder, dest / folder)
    python("-m", "dvc", "init", "--no-scm", "-q", cwd=dest)
    return dest


def dvc_table(repo: Path, *args: str) -> str:
    """`dvc <args>` (say `metrics show`) on a terminal COLUMNS=120 wide, as printed."""
    return python("-m", "dvc", *args, cwd=repo, env={"COLUMNS": str(TERMINAL_COLUMNS)}).stdout


def assert_fits(table: str) -> None:
    widest = max(table.splitlines(), key=len)
    assert len(widest) <= TERMINAL_COLUMNS, f"{len(widest)} columns wide:\n{table}"
