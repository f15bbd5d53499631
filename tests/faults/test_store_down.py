"""A tracking server that dies in the middle of a training (issue 17).

A real `mlflow server` on 127.0.0.1 is the store; it is killed (SIGKILL) once the training has
logged its first epoch. The stage stops within MLflow's bounded retries with exit 2 naming the URI,
is not retried by Prefect, and publishes nothing. With the server back (same store, same port) the
rerun resumes the training from its checkpoint, marks the run the lost store left RUNNING as KILLED,
and finishes.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tasks.core import HOST, Layout, free_port, spawn, wait_for, wait_until_up
from tasks.tracking import server_command
from tests.faults.stage_processes import (
    epochs_done,
    outputs_snapshot,
    run_stage,
    session_prefect_env,
    stage_env,
    start_stage,
    tail,
    train_runs,
)
from tests.projects import Project

pytestmark = pytest.mark.slow
EPOCHS = 4


@contextmanager
def mlflow_server(store: Path, port: int) -> Iterator[str]:
    """`mlflow server` with its SQLite store and artifacts in `store`, until the block ends (or it is killed)."""
    command = server_command(f"sqlite:///{store / 'mlflow.db'}", str(store / "mlartifacts"), port)
    server = spawn(command, dict(os.environ), store / f"server-{port}.log")
    url = f"http://{HOST}:{port}"
    try:
        wait_until_up(f"{url}/health", 180, process=server)
        yield url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _train_runs(url: str, project: Project) -> list:
    from mlflow import MlflowClient

    return train_runs(MlflowClient(url), project)


def test_a_store_lost_mid_training_stops_the_stage_naming_it_and_the_rerun_resumes(trained_project, tmp_path):
    project = trained_project.copy_to(tmp_path / "project")
    project.update_params({"train": {"epochs": EPOCHS, "patience": 0}})
    runs, store, port = Layout(project.root).runs / "train", tmp_path / "store", free_port()
    published = outputs_snapshot(project.root)
    with mlflow_server(store, port) as url:
        env = {**stage_env(project, tmp_path / "state", **session_prefect_env()), "MLFLOW_TRACKING_URI": url}
        stage = start_stage("train", project, env, tmp_path / "lost.log")
        wait_for(lambda: epochs_done(runs) >= 1 or stage.poll() is not None, 600, "the first epoch logged")
        assert stage.poll() is None, tail(tmp_path / "lost.log")
    # the server is gone (SIGKILL of its process group), the training goes on to its next epoch's log
    rc = stage.wait(timeout=300)
    log = (tmp_path / "lost.log").read_text()
    last = log.strip().splitlines()[-1]  # Prefect logs the failed flow run's traceback before it
    assert rc == 2, log[-3000:]
    assert last.startswith(f"error: MLFLOW_TRACKING_URI={url}: the tracking store stopped answering"), log[-3000:]
    assert "Retry 1/1" not in log, "a training stopped by a lost store is not retried by Prefect"
    assert epochs_done(runs) < EPOCHS, "stopped before the training's end"
    assert outputs_snapshot(project.root) == published, "nothing published"

    with mlflow_server(store, port) as url:
        (lost,) = _train_runs(url, project)
        assert lost.info.status == "RUNNING", "the store could not be told"
        rerun = run_stage("train", project, env)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "Resuming" in rerun.stdout + rerun.stderr, "the checkpoint of the stopped training is used"
        by_id = {run.info.run_id: run.info.status for run in _train_runs(url, project)}
        card = json.loads((project.root / "models/train/card.json").read_text())
        assert by_id == {lost.info.run_id: "KILLED", card["mlflow_run_id"]: "FINISHED"}
