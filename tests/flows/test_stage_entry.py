"""`python -m flows.<stage>`: bad input stops the stage before any work, with exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.processes import python
from tests.profiles import TINY, write_params


def _stage(stage: str, cwd: Path, params: str = "params.yaml") -> subprocess.CompletedProcess:
    return python("-m", f"flows.{stage}", "--params", params, cwd=cwd, check=False, timeout=300)


def test_bad_params_exit_2_and_touch_nothing(tmp_path):
    write_params(tmp_path / "params.yaml", TINY, {"train": {"epochs": 0}, "prepare": {"seed": "x"}})
    result = _stage("prepare", tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("train.epochs: input should be greater than or equal to 1" in e for e in errors)
    assert any("prepare.seed: input should be a valid integer" in e for e in errors)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_missing_prepared_data_is_named(tmp_path):
    write_params(tmp_path / "params.yaml", TINY)
    result = _stage("train", tmp_path)
    assert result.returncode == 2
    assert "error: data/prepared/dataset.json: missing; run the prepare stage first" in result.stderr
    assert not (tmp_path / "models").exists()
