"""`python -m flows.mine` without the model it is told to use: exit code 2, naming the file and the fix."""

from __future__ import annotations

import pytest

from testkit.processes import python

pytestmark = pytest.mark.slow  # runs prepare and a Prefect flow


def test_mine_without_the_model_stops_with_a_clear_error(make_project):
    root = make_project({"prepare": {"builtin": {"images": {"pool": 2}}}, "mine": {"model": "train"}}).root
    python("-m", "flows.prepare", cwd=root)
    result = python("-m", "flows.mine", cwd=root, check=False, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "error: models/train/card.json: missing; run the train stage first (dvc repro train)" in result.stderr
    assert not (root / "data/relabel").exists() and not (root / "reports/mine").exists()
