"""Deployments against a real local Prefect server and process worker on 127.0.0.1."""

from __future__ import annotations

import pytest
import yaml

from tasks.ops import stack
from tests.processes import copy_project
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    running = stack.start_server(stack.free_port(), home, home / "logs")
    try:
        stack.start_worker(running, home / "logs")
        yield running
    finally:
        running.stop()


def _run_deployment(name: str, env: dict[str, str], parameters: dict | None = None, timeout_s: int = 900):
    """Trigger a deployment through the API and wait for its final state."""
    from prefect.deployments import run_deployment

    with stack.talking_to(env["PREFECT_API_URL"]):
        flow_run = run_deployment(name, parameters=parameters, timeout=timeout_s)
    assert flow_run.deployment_id is not None, "ran on a server of its own, not the stack's"
    return flow_run


def test_deployment_runs_dvc_and_results_land_in_dvc_lock(tmp_path, local_stack):
    repo = copy_project(tmp_path / "repo")
    write_params(repo / "params.yaml", TINY)
    output = stack.deploy(repo, local_stack.env)
    pipeline = [f"pipeline/{name}" for name in ("all", "train", "transfer", "mine")]
    for name in [*pipeline, "active-learning-round/round", "active-learning-oracle-rounds/oracle"]:
        assert name in output
    flow_run = _run_deployment("pipeline/train", local_stack.env)
    assert flow_run.state.is_completed(), flow_run.state
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert set(lock["stages"]) == {"prepare", "train"}
    assert (repo / "models/train/weights.pt").exists()


def test_param_overrides_make_a_dvc_experiment(tmp_path, local_stack):
    repo = copy_project(tmp_path / "repo")
    write_params(repo / "params.yaml", TINY)
    stack.deploy(repo, local_stack.env)
    flow_run = _run_deployment("pipeline/train", local_stack.env, {"set_params": {"train.lr0": 0.02}, "push": False})
    assert flow_run.state.is_completed(), flow_run.state
    params = yaml.safe_load((repo / "params.yaml").read_text())
    assert params["train"]["lr0"] == 0.02
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    assert lock["stages"]["train"]["params"]["params.yaml"]["train"]["lr0"] == 0.02
