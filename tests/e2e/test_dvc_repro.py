"""`dvc repro` end to end on the tiny profile, in a fresh git + DVC copy of the project."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.core.headline import HEADLINE_KEYS
from testkit.processes import python
from tests.metrics_table import assert_fits, dvc_table

pytestmark = pytest.mark.slow


def dvc(*args: str, cwd: Path) -> str:
    return python("-m", "dvc", *args, cwd=cwd).stdout


def test_repro_then_noop(make_project):
    repo = make_project(name="repo", repo=True).root
    first = dvc("repro", cwd=repo)
    for stage in ("prepare", "train", "transfer", "evaluate"):
        assert f"Running stage '{stage}'" in first
    lock = (repo / "dvc.lock").read_text()
    assert "data/prepared" in lock and "models/train" in lock and "models/transfer" in lock
    assert json.loads((repo / "metrics/evaluate_details.json").read_text())["images"] == 6
    table = dvc_table(repo, "metrics", "show")  # every stage ran (audit and mine too): the table a person reads
    assert_fits(table)
    assert {line.split()[0] for line in table.splitlines()[1:]} == {f"metrics/{s}.json" for s in HEADLINE_KEYS}
    assert_fits(dvc_table(repo, "metrics", "diff"))  # nothing committed: every figure is new
    second = dvc("repro", cwd=repo)
    assert "Running stage" not in second
    assert "Data and pipelines are up to date" in dvc("status", cwd=repo)


def test_a_params_change_reruns_only_what_reads_it(make_project):
    project = make_project(name="repo", repo=True)
    repo = project.root
    dvc("repro", cwd=repo)
    project.write_params({"evaluate": {"iou": 0.6}})
    output = dvc("repro", cwd=repo)
    assert "Running stage 'evaluate'" in output
    assert "Running stage 'train'" not in output and "Running stage 'prepare'" not in output
