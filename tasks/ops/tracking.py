"""MLflow: one run per stage, tagged with the code and data versions, models registered.

By default the store is a SQLite file in the project (`.yoloop/mlflow.db`, artifacts
beside it); `MLFLOW_TRACKING_URI` points at a server instead (tasks/ops/tracking_store.py: checked
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

from tasks.core.paths import Layout
from tasks.core.runtime import CODE_ROOT, state_dir
from tasks.core.schema import TrackingParams
from tasks.ops.dvc_repo import locked_outputs
from tasks.ops.local_process import process_stat, running
from tasks.ops.tracking_store import reachable_tracking_uri, store_answers, tracking_uri

PYFUNC_MODEL_CODE = Path(__file__).with_name("mlflow_pyfunc.py")


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
    stat = process_stat(pid)
    started = stat[19] if len(stat) > 19 else ""
    return {"yoloop.host": socket.gethostname(), "yoloop.pid": str(pid), "yoloop.pid_started": started}


def owner_is_gone(tags: dict[str, str]) -> bool:
    """True only when the run's process is known to be gone: this host, and its pid dead, a zombie, or reused."""
    pid = tags.get("yoloop.pid", "")
    if tags.get("yoloop.host") != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run, or one from before owners were recorded: leave it
    if not running(int(pid)):
        return True  # exited (a zombie too)
    stat, started = process_stat(int(pid)), tags.get("yoloop.pid_started", "")
    return bool(started) and len(stat) > 19 and stat[19] != started


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
    """Point MLflow at the store and experiment (importing MLflow; a new SQLite store is created first) and mark
    KILLED the runs of `stage` that a killed process left RUNNING; the experiment's id."""
    experiment_id = use_experiment(tracking)
    end_dead_runs(experiment_id, stage)
    return experiment_id


def run_tags(stage: str, layout: Layout, owner_pid: int | None = None) -> dict[str, str]:
    """The tags of a stage's run: the stage, the code and data (data/prepared) versions, and its owner (the
    stage's process: by default this one)."""
    data_path = layout.key(layout.prepared)
    return {
        "yoloop.stage": stage,
        "git_commit": git_commit(),
        "dvc_data_hash": locked_outputs(layout.root).get(data_path) or "unversioned",
        "dvc_data_path": data_path,
        **owner_tags(owner_pid),
    }


def start_stage_run(experiment_id: str, stage: str, params: dict[str, Any], tags: dict[str, str]) -> Any:
    """Start the stage's run in an experiment `open_store` opened, active in this thread (MLflow keeps the active
    run per thread), with `params` and `tags`; the ActiveRun (a context manager that ends it)."""
    import mlflow

    run = mlflow.start_run(experiment_id=experiment_id, run_name=stage, tags=tags)
    try:
        mlflow.log_params({k: str(v)[:500] for k, v in _flatten(stage, params).items()})
    except BaseException:
        mlflow.end_run("FAILED")
        raise
    return run


@contextmanager
def stage_run(tracking: TrackingParams, stage: str, params: dict[str, Any], layout: Layout) -> Iterator[Any]:
    """An MLflow run for one stage, with its params, the code and data (data/prepared) versions and its owner as
    tags; the runs of this stage that a killed process left RUNNING are marked KILLED first. A store that stops
    answering inside is a `StoreDown` (tasks/ops/tracking_store.py). A training's run is kept by a process of
    its own instead (tasks/train/tracking_sidecar.py)."""
    experiment_id = open_store(tracking, stage)
    with store_answers(), start_stage_run(experiment_id, stage, params, run_tags(stage, layout)) as run:
        yield run


def metric_name(key: str) -> str:
    """Ultralytics names such as `metrics/mAP50(B)` made valid MLflow keys: `metrics/mAP50_B`."""
    return key.replace("(", "_").replace(")", "").replace(" ", "_")


def log_metrics(metrics: dict[str, float], step: int | None = None) -> None:
    import mlflow

    with store_answers():  # a training's epoch logs: a lost store stops it at once, with the URI named
        mlflow.log_metrics({metric_name(k): float(v) for k, v in metrics.items()}, step=step)


def _detector_signature():
    """Input: a column of image paths; output: one row per detection; `conf` as a parameter."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema

    outputs = [ColSpec("string", "image"), ColSpec("string", "class"), ColSpec("double", "confidence")]
    outputs += [ColSpec("double", corner) for corner in ("x0", "y0", "x1", "y1")]
    return ModelSignature(
        inputs=Schema([ColSpec("string", "image")]),
        outputs=Schema(outputs),
        params=ParamSchema([ParamSpec("conf", "double", 0.25)]),
    )


def prepare_registration() -> None:
    """What MLflow's first model registration in a process does first: map every installed distribution to its
    modules (0.8 s here: it reads each one's list of files), only to warn when the model's requirements are not
    installed. Called beside a training (tasks/train/tracking_sidecar.py), so that the registration after it does
    not wait for it. The map is MLflow's private one: with a version that lacks it, nothing is prepared."""
    from mlflow.utils import requirements_utils

    build_map = getattr(requirements_utils, "_init_modules_to_packages_map", None)
    if build_map is not None:
        build_map()


def register_weights(weights: Path, tracking: TrackingParams, names: list[str]) -> str:
    """Log the weights as a pyfunc model in the active run and register a new model version.

    No input example is logged, on purpose: the model's input is a column of image file paths,
    and a path is only an example on the machine that wrote it (MLflow would also try to
    predict on it at every registration). The signature says the input exactly, so MLflow's
    "An input example was not provided" warning (its text starts with a colour code, hence the
    leading `.*`) is silenced for this call only.
    """
    import warnings

    import mlflow

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*An input example was not provided", category=UserWarning)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(PYFUNC_MODEL_CODE),
            signature=_detector_signature(),
            artifacts={"weights": str(weights)},
            pip_requirements=["ultralytics", "torch", "pandas"],
            registered_model_name=tracking.registered_model,
            metadata={"class_names": names},
        )
    return str(info.registered_model_version)


def log_artifacts(paths: list[Path], folder: str | None = None) -> None:
    import mlflow

    for path in paths:
        mlflow.log_artifact(str(path), artifact_path=folder)


def tag_model_version(tracking: TrackingParams, version: str, tags: dict[str, Any]) -> None:
    """Facts about a registered version that a later stage reads back (e.g. transfers since scratch)."""
    from mlflow import MlflowClient

    client = MlflowClient(reachable_tracking_uri())
    for key, value in tags.items():
        client.set_model_version_tag(tracking.registered_model, version, key, str(value))


def store_is_empty() -> bool:
    """True when the store is a local SQLite file that does not exist yet (so nothing is registered)."""
    uri = tracking_uri()
    return uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists()
