"""A train stage killed with SIGKILL mid-training: its MLflow run does not stay RUNNING, nor its Prefect flow run,
nothing half-written is published, and the rerun completes the training (issue 17)."""

from __future__ import annotations

import json

import pytest

from tasks.core import Layout
from tests.faults.stage_processes import (
    epochs_done,
    kill_when_at_work,
    outputs_snapshot,
    run_stage,
    session_prefect_env,
    stage_env,
    train_runs,
    wait_crashed,
)

pytestmark = pytest.mark.slow
EPOCHS = 2  # killed after the first, resumed for the second


def test_a_killed_train_run_is_marked_killed_and_the_rerun_completes(trained_project, tmp_path):
    project = trained_project.copy_to(tmp_path / "project")
    project.update_params({"train": {"epochs": EPOCHS, "patience": 0}})
    env, runs, log = (
        stage_env(project, tmp_path / "state", **session_prefect_env()),
        Layout(project.root).runs / "train",
        tmp_path / "kill.log",
    )
    published = outputs_snapshot(project.root)

    stage = kill_when_at_work("train", project, env, lambda _: epochs_done(runs) >= 1, log)
    (zombie,) = train_runs(project.mlflow(), project, "RUNNING")
    assert zombie.data.tags["yoloop.pid"] == str(stage.process.pid)
    assert outputs_snapshot(project.root) == published, "the killed stage published nothing, not even a part"

    rerun = run_stage("train", project, env)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"MLflow run {zombie.info.run_id} of stage train" in rerun.stderr
    client = project.mlflow()
    assert client.get_run(zombie.info.run_id).info.status == "KILLED"
    card = json.loads((project.root / "models/train/card.json").read_text())
    assert client.get_run(card["mlflow_run_id"]).info.status == "FINISHED"
    assert train_runs(project.mlflow(), project, "RUNNING") == [], "no zombie run left"

    assert sorted(p.name for p in (project.root / "models").iterdir()) == ["train"], "no stray folder in models/"
    assert sorted(p.name for p in (project.root / "models/train").iterdir()) == ["card.json", "weights.pt"]
    assert json.loads((project.root / "metrics/train_details.json").read_text())["epochs"] == EPOCHS
    rows = (project.root / "reports/train/results.csv").read_text().strip().splitlines()[1:]
    assert [int(float(row.split(",")[0])) for row in rows] == list(range(1, EPOCHS + 1)), "one row per epoch"
    wait_crashed([stage.flow_run_id])  # and the Prefect flow run of the killed stage does not stay Running
