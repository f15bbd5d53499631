"""Deployments against a real local Prefect server and process worker on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tasks.core import free_port
from tasks.orchestration import Stack, deploy, start_worker, talking_to
from tests.projects import new_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """A server and a worker; the worker's flows (and so the stages) use this module's own MLflow store."""
    home = tmp_path_factory.mktemp("prefect-home")
    with new_project(home / "store").active():  # stack_env reads MLFLOW_TRACKING_URI
        running = Stack.start(free_port(), home, home / "logs")
    try:
        start_worker(running, home / "logs")
        yield running
    finally:
        running.stop()


def _run_deployment(name: str, env: dict[str, str], parameters: dict | None = None, timeout_s: int = 900):
    """Trigger a deployment through the API and wait for its final state."""
    from prefect.deployments import run_deployment

    with talking_to(env["PREFECT_API_URL"]):
        flow_run = run_deployment(name, parameters=parameters, timeout=timeout_s)
    assert flow_run.deployment_id is not None, "ran on a server of its own, not the stack's"
    return flow_run


@pytest.fixture(scope="module")
def deployed(local_stack, tmp_path_factory) -> tuple[Path, str]:
    """A repository with the deployments registered on the stack, and what `deploy` printed."""
    repo = new_project(tmp_path_factory.mktemp("deployed") / "repo", repo=True).root
    return repo, deploy(repo, local_stack.env)


def test_deployment_runs_dvc_and_results_land_in_dvc_lock(deployed, local_stack):
    repo, output = deployed
    pipeline = [f"pipeline/{name}" for name in ("all", "train", "transfer", "mine")]
    for name in [*pipeline, "active-learning-round/round", "active-learning-oracle-rounds/oracle"]:
        assert name in output
    flow_run = _run_deployment("pipeline/train", local_stack.env)
    assert flow_run.state.is_completed(), flow_run.state
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert set(lock["stages"]) == {"prepare", "train"}
    assert (repo / "models/train/weights.pt").exists()


def test_param_overrides_make_a_dvc_experiment(deployed, local_stack):
    """On the same repository: DVC reruns what the override changes (train), whatever ran before."""
    repo, _ = deployed
    flow_run = _run_deployment("pipeline/train", local_stack.env, {"set_params": {"train.mixup": 0.1}, "push": False})
    assert flow_run.state.is_completed(), flow_run.state
    params = yaml.safe_load((repo / "params.yaml").read_text())
    assert params["train"]["mixup"] == 0.1
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert lock["stages"]["train"]["params"]["params.yaml"]["train"]["mixup"] == 0.1
