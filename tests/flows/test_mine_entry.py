"""`python -m flows.mine` without the model it is told to use: exit code 2, naming the file and the fix."""

from __future__ import annotations

import pytest

from tests.processes import python
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow  # runs prepare and a Prefect flow


def test_mine_without_the_model_stops_with_a_clear_error(tmp_path):
    write_params(
        tmp_path / "params.yaml", TINY, {"prepare": {"builtin": {"images": {"pool": 2}}}, "mine": {"model": "train"}}
    )
    python("-m", "flows.prepare", cwd=tmp_path)
    result = python("-m", "flows.mine", cwd=tmp_path, check=False, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "error: models/train/card.json: missing; run the train stage first (dvc repro train)" in result.stderr
    assert not (tmp_path / "data/relabel").exists() and not (tmp_path / "reports/mine").exists()
