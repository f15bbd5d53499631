"""Clear refusals before any work (issue 17): a tracking store that is down, weights that are not a model.

Each stops the stage with exit 2 and one line naming what is wrong (the URI, the file), and leaves every
output as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.core import HOST, Layout, free_port
from tests.faults.stage_processes import outputs_snapshot, run_stage, session_prefect_env, stage_env

pytestmark = pytest.mark.slow
WEIGHTS = "models/train/weights.pt"


def test_an_unreachable_tracking_store_stops_training_before_it_starts(trained_project, tmp_path):
    project = trained_project.copy_to(tmp_path / "project")
    uri = f"http://{HOST}:{free_port()}"  # nothing listens there
    before = outputs_snapshot(project.root)
    env = {**stage_env(project, tmp_path / "state", **session_prefect_env()), "MLFLOW_TRACKING_URI": uri}
    result = run_stage("train", project, env, timeout=300)
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"error: MLFLOW_TRACKING_URI={uri}: the tracking store cannot be reached" in result.stderr, result.stderr[
        -3000:
    ]
    assert not Layout(project.root).runs.exists(), "no training started"
    assert outputs_snapshot(project.root) == before


def _truncate(weights: Path) -> None:
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])


def _replace_with_text(weights: Path) -> None:
    weights.write_text("not a model\n")


@pytest.mark.parametrize(
    ("stage", "damage"),
    [("evaluate", _truncate), ("transfer", _replace_with_text)],
    ids=["evaluate-cut", "transfer-text"],
)
def test_weights_that_are_not_a_model_stop_the_stage_naming_the_file(trained_project, tmp_path, stage, damage):
    project = trained_project.copy_to(tmp_path / "project")
    project.update_params({"evaluate": {"model": "train"}})  # the shared project has no transfer stage
    damage(project.root / WEIGHTS)
    before = outputs_snapshot(project.root)
    env = stage_env(project, tmp_path / "state", **session_prefect_env())
    result = run_stage(stage, project, env, timeout=300)
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"error: {WEIGHTS}: not a readable weights file" in result.stderr, result.stderr[-3000:]
    assert outputs_snapshot(project.root) == before
