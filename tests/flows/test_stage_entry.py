"""`python -m flows.<stage>`: bad input stops the stage before any work, with exit code 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from testkit.processes import python


def _stage(stage: str, cwd: Path, params: str = "params.yaml") -> subprocess.CompletedProcess:
    return python("-m", f"flows.{stage}", "--params", params, cwd=cwd, check=False, timeout=300)


def test_bad_params_exit_2_and_touch_nothing(make_project):
    root = make_project({"train": {"epochs": 0}, "prepare": {"seed": "x"}}).root
    before = {path: path.stat().st_mtime_ns for path in root.rglob("*")}  # params.yaml and the empty MLflow store
    result = _stage("prepare", root)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert any("train.epochs: input should be greater than or equal to 1" in e for e in errors)
    assert any("prepare.seed: input should be a valid integer" in e for e in errors)
    assert {path: path.stat().st_mtime_ns for path in root.rglob("*")} == before


def test_missing_prepared_data_is_named(make_project):
    root = make_project().root
    result = _stage("train", root)
    assert result.returncode == 2
    assert "error: data/prepared/dataset.json: missing; run the prepare stage first" in result.stderr
    assert not (root / "models").exists()
