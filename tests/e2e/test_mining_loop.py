"""The active-learning loop through DVC: repro (with mine), labels import (dvc add), repro trains on them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from testkit.processes import python
from testkit.profiles import TINY
from tests.relabel_batch import ONE_STAR, returned_labels

pytestmark = pytest.mark.slow


def dvc(*args: str, cwd: Path) -> str:
    return python("-m", "dvc", *args, cwd=cwd).stdout


def test_mined_batch_comes_back_and_the_next_repro_trains_on_it(make_project, tmp_path):
    repo = make_project(name="repo", repo=True).root
    assert "Running stage 'mine'" in dvc("repro", cwd=repo)
    assert "data/relabel/round-1" in (repo / "dvc.lock").read_text()
    returned = tmp_path / "returned"
    corrected = returned_labels(repo / "data/relabel/round-1", returned)[0]
    corrected.write_text(ONE_STAR)
    python("-m", "flows.cli", "labels", "import", str(returned), cwd=repo)
    assert (repo / "data/labels/round-1.dvc").exists(), "the new version is tracked by DVC"
    second = dvc("repro", cwd=repo)
    for stage in ("prepare", "train", "evaluate", "mine"):
        assert f"Running stage '{stage}'" in second
    stats = json.loads((repo / "metrics/prepare.json").read_text())
    assert stats["images"]["new/train"] == TINY["prepare"]["builtin"]["images"]["new_train"] + TINY["mine"]["k"]
    assert (repo / "data/prepared/new/labels/train" / corrected.name).read_bytes() == corrected.read_bytes()
