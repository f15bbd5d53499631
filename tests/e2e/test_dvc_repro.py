"""`dvc repro` end to end on the tiny profile, in a fresh git + DVC copy of the project (one repro for the
module; a test that changes the project works on a copy of it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.core.headline import HEADLINE_KEYS
from testkit.processes import python
from tests.metrics_table import assert_fits, dvc_table
from tests.projects import Project, new_project

pytestmark = pytest.mark.slow


def dvc(*args: str, cwd: Path, project: Project | None = None) -> str:
    env = {"MLFLOW_TRACKING_URI": project.tracking_uri} if project else None
    return python("-m", "dvc", *args, cwd=cwd, env=env).stdout


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory, prefect_server) -> tuple[Project, str]:
    """One `dvc repro` of the whole pipeline in a fresh git + DVC copy of the project, and what it printed."""
    project = new_project(tmp_path_factory.mktemp("repro") / "repo", repo=True)
    return project, dvc("repro", cwd=project.root, project=project)


def test_repro_then_noop(reproduced):
    project, first = reproduced
    repo = project.root
    for stage in ("prepare", "train", "transfer", "evaluate", "audit", "mine"):
        assert f"Running stage '{stage}'" in first
    lock = (repo / "dvc.lock").read_text()
    assert "data/prepared" in lock and "models/train" in lock and "models/transfer" in lock
    assert json.loads((repo / "metrics/evaluate_details.json").read_text())["images"] == 6
    table = dvc_table(repo, "metrics", "show")  # every stage ran (audit and mine too): the table a person reads
    assert_fits(table)
    assert {line.split()[0] for line in table.splitlines()[1:]} == {f"metrics/{s}.json" for s in HEADLINE_KEYS}
    assert_fits(dvc_table(repo, "metrics", "diff"))  # nothing committed: every figure is new
    second = dvc("repro", cwd=repo, project=project)
    assert "Running stage" not in second
    assert "Data and pipelines are up to date" in dvc("status", cwd=repo, project=project)


def test_a_params_change_reruns_only_what_reads_it(reproduced, tmp_path):
    project = reproduced[0].copy_to(tmp_path / "repo")  # its own copy: the other test reads the first
    project.update_params({"evaluate": {"iou": 0.6}})
    output = dvc("repro", cwd=project.root, project=project)
    assert "Running stage 'evaluate'" in output
    assert "Running stage 'train'" not in output and "Running stage 'prepare'" not in output
