"""`dvc repro` on imported real data: plysaci's two toys as base classes, the pig as the new one."""

from __future__ import annotations

import json

import pytest
import yaml

from testkit.processes import python
from tests.real_data import copy_real

pytestmark = pytest.mark.slow

DATASETS = {
    "prepare": {
        "source": "datasets",
        "classes": {"base": ["oslik", "ovecka"], "new": ["prasatko"]},
        "datasets": [{"name": "toys"}, {"name": "pig"}],
        "resplit": {"val": 0.2, "test": 0.2},
    },
    "imports": {"optional_splits": ["test"]},  # 2plysaci names a test split it does not have (yoloop import reads it)
}


def test_import_then_repro_trains_and_evaluates(make_project, tmp_path):
    # A store of its own (make_project): the champion of other tests' built-in models knows none of these classes.
    project = make_project(name="repo", repo=True)
    repo = project.root
    plysaci = copy_real("plysaci", tmp_path)
    project.write_params(DATASETS)
    for yaml_name, name in (("2plysaci", "toys"), ("prasatko", "pig")):
        out = python("-m", "cli", "import", str(plysaci / f"{yaml_name}.yaml"), "--name", name, cwd=repo).stdout
        assert f"versioned with DVC: data/raw/{name}.dvc" in out
    output = python("-m", "dvc", "repro", "evaluate", cwd=repo).stdout  # no pool here: mine would stop (exit 2)
    for stage in ("prepare", "train", "evaluate"):
        assert f"Running stage '{stage}'" in output
    card = json.loads((repo / "data/prepared/dataset.json").read_text())
    assert card["classes"] == {"base": ["oslik", "ovecka"], "new": ["prasatko"]}
    metrics = json.loads((repo / "metrics/prepare.json").read_text())
    images = sum(metrics["images"].values())
    assert images == 37  # 26 toys + 11 pig photos (one loose in prasatko's test/), no duplicates between them
    assert metrics["instances"]["new/train"]["prasatko"] > 0
    assert sum(metrics["instances"]["test"].values()) > 0, "the test split has boxes to score"
    evaluated = json.loads((repo / "metrics/evaluate_details.json").read_text())
    assert evaluated["images"] == metrics["images"]["test"]
    assert "Running stage" not in python("-m", "dvc", "repro", "evaluate", cwd=repo).stdout
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert any(d["path"] == "data/raw" for d in lock["stages"]["prepare"]["deps"])
