"""MLflow runs: one per stage, tagged with the code and data versions and the process that owns it.

By default the store is a SQLite file in the project (`.yoloop/mlflow.db`, artifacts
beside it); `MLFLOW_TRACKING_URI` points at a server instead (tasks/tracking/store.py: checked
before a stage uses it, and a store lost in the middle is a clear error, exit 2).
MLflow is a view over the files: the weights themselves are versioned by DVC.

A stage killed with SIGKILL never ends its run, which would stay RUNNING forever: every run records
the process that owns it (host, pid, the pid's start time), and the next run of the stage marks
KILLED the RUNNING runs of that stage whose process is gone (`end_dead_runs`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tasks.core import CODE_ROOT, Layout, TrackingParams, running, started_at, state_dir
from tasks.tracking.registered_names import MODEL_TAG
from tasks.tracking.store import reachable_tracking_uri, store_answers
from tasks.versioning import locked_outputs


def use_experiment(tracking: TrackingParams) -> str:
    """Point MLflow at the store and experiment; a local store keeps artifacts in the project too."""
    import mlflow

    uri = reachable_tracking_uri()
    mlflow.set_tracking_uri(uri)
    experiment = mlflow.get_experiment_by_name(tracking.experiment)
    if experiment is not None:
        return experiment.experiment_id
    location = (state_dir() / "mlartifacts").as_uri() if uri.startswith("sqlite:") else None
    return mlflow.create_experiment(tracking.experiment, artifact_location=location)


def git_commit() -> str:
    """The commit the code ran from, with `-dirty` when the work tree has changes."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=CODE_ROOT, capture_output=True, text=True, check=False)
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "HEAD") or "none"
    return f"{commit}-dirty" if git("status", "--porcelain", "--untracked-files=no") else commit


def _flatten(prefix: str, value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(f"{prefix}.{key}", item).items()}
    return {prefix: value}


def owner_tags(pid: int | None = None) -> dict[str, str]:
    """Who owns a run: this host, the stage's pid (by default this process), and the pid's start time (so a
    reused pid is not taken for it)."""
    pid = os.getpid() if pid is None else pid
    return {"yoloop.host": socket.gethostname(), "yoloop.pid": str(pid), "yoloop.pid_started": started_at(pid)}


def owner_is_gone(tags: dict[str, str]) -> bool:
    """True only when the run's process is known to be gone: this host, and its pid dead, a zombie, or reused."""
    pid = tags.get("yoloop.pid", "")
    if tags.get("yoloop.host") != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run, or one from before owners were recorded: leave it
    if not running(int(pid)):
        return True  # exited (a zombie too)
    started, now = tags.get("yoloop.pid_started", ""), started_at(int(pid))
    return bool(started) and bool(now) and now != started


def end_dead_runs(experiment_id: str, stage: str) -> list[str]:
    """Mark KILLED the RUNNING runs of `stage` whose process is gone (killed, it never ended them); their ids."""
    from mlflow import MlflowClient

    client = MlflowClient(reachable_tracking_uri())
    query = f"tags.`yoloop.stage` = '{stage}' and attributes.status = 'RUNNING'"
    dead = [run for run in client.search_runs([experiment_id], query, max_results=1000) if owner_is_gone(run.data.tags)]
    for run in dead:
        client.set_terminated(run.info.run_id, status="KILLED")
        owner = f"pid {run.data.tags['yoloop.pid']} on {run.data.tags['yoloop.host']}"
        print(
            f"MLflow run {run.info.run_id} of stage {stage}: its process ({owner}) is gone; marked KILLED",
            file=sys.stderr,
        )
    return [run.info.run_id for run in dead]


def open_store(tracking: TrackingParams, stage: str) -> str:
    """Point MLflow at the store and experiment (a new SQLite store is created first) and mark KILLED the runs of
    `stage` that a killed process left RUNNING; the experiment's id."""
    experiment_id = use_experiment(tracking)
    end_dead_runs(experiment_id, stage)
    return experiment_id


def run_tags(stage: str, layout: Layout, tracking: TrackingParams) -> dict[str, str]:
    """The tags of a stage's run: the stage, the registered model it works for, the code and data (data/prepared)
    versions, and its owner (this process)."""
    data_path = layout.key(layout.prepared)
    return {
        "yoloop.stage": stage,
        MODEL_TAG: tracking.registered_model,
        "git_commit": git_commit(),
        "dvc_data_hash": locked_outputs(layout.root).get(data_path) or "unversioned",
        "dvc_data_path": data_path,
        **owner_tags(),
    }


@contextmanager
def stage_run(tracking: TrackingParams, stage: str, params: dict[str, Any], layout: Layout) -> Iterator[Any]:
    """An MLflow run for one stage, with its params, the registered model it works for, the code and data
    (data/prepared) versions and its owner as tags; the runs of this stage that a killed process left RUNNING are
    marked KILLED first. The run ends FINISHED, or FAILED when the block raises (the block's error is the one
    raised). A store that stops answering inside is a `StoreDown` (tasks/tracking/store.py)."""
    import mlflow

    experiment_id = open_store(tracking, stage)
    tags = run_tags(stage, layout, tracking)
    with store_answers(), mlflow.start_run(experiment_id=experiment_id, run_name=stage, tags=tags) as run:
        mlflow.log_params({k: str(v)[:500] for k, v in _flatten(stage, params).items()})
        yield run


def metric_name(key: str) -> str:
    """Ultralytics names such as `metrics/mAP50(B)` made valid MLflow keys: `metrics/mAP50_B`."""
    return key.replace("(", "_").replace(")", "").replace(" ", "_")


def log_metrics(metrics: dict[str, float], step: int | None = None, run_id: str | None = None) -> None:
    """Metrics on the active run (or `run_id`'s), their names made valid MLflow keys."""
    import mlflow

    with store_answers():  # a training's epoch logs: a lost store stops it at once, with the URI named
        mlflow.log_metrics({metric_name(k): float(v) for k, v in metrics.items()}, step=step, run_id=run_id)


def log_tags(tags: dict[str, str]) -> None:
    """Tags on the active run."""
    import mlflow

    with store_answers():
        mlflow.set_tags(tags)


def log_artifacts(paths: list[Path], folder: str | None = None) -> None:
    import mlflow

    for path in paths:
        mlflow.log_artifact(str(path), artifact_path=folder)
