"""A shared MLflow tracking server (SQLite database, artifacts proxied to the local S3 store), used by two
processes at once: both runs and their artifacts land, and the champion alias moves by compare-and-set."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from tasks.evaluate.promotion import CHALLENGER, CHAMPION, apply_decision
from tasks.ops import stack
from tasks.ops.mlflow_server import start_tracking_server
from tests.cluster_services import LocalS3
from tests.processes import PROJECT, project_env
from tests.promotion_racer import register_version

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    """(server URL, S3 store): `mlflow server` with its runs in SQLite and its artifacts in s3://yoloop/mlartifacts."""
    folder = tmp_path_factory.mktemp("tracking")
    s3 = LocalS3.start(folder / "logs")
    env = {**project_env(), **s3.env()}
    try:
        database, artifacts = f"sqlite:///{folder / 'mlflow.db'}", "s3://yoloop/mlartifacts"
        server = start_tracking_server(database, artifacts, stack.free_port(), env, folder / "mlflow.log")
        try:
            yield server.url, s3
        finally:
            server.stop()
    finally:
        s3.terminate()


def _worker_env(url: str) -> dict[str, str]:
    """A worker knows the server's URL and nothing about S3: the server proxies artifacts."""
    env = {k: v for k, v in project_env(MLFLOW_TRACKING_URI=url).items() if not k.startswith(("AWS_", "MLFLOW_S3"))}
    return env


def test_two_evaluations_finishing_together_move_the_champion_by_compare_and_set(tmp_path, tracking):
    import mlflow
    from mlflow import MlflowClient

    url, s3 = tracking
    client, name = MlflowClient(url), f"race-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    mlflow.set_tracking_uri(url)
    (tmp_path / "first").mkdir()
    assert register_version(name, tmp_path / "first") == "1"
    apply_decision(client, name, "1", {"promote": True, "reasons": []}, compared_with=None)
    (tmp_path / "barrier").mkdir()
    racers = []
    for i in range(2):
        (tmp_path / f"racer-{i}").mkdir()
        args = ["--model", name, "--barrier", str(tmp_path / "barrier"), "--out", str(tmp_path / f"racer-{i}/out.json")]
        racers.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.promotion_racer", *args],
                cwd=PROJECT,
                env=_worker_env(url),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    for racer in racers:
        output = racer.communicate(timeout=300)[0]
        assert racer.returncode == 0, output[-3000:]
    results = {r["version"]: r for r in (json.loads((tmp_path / f"racer-{i}/out.json").read_text()) for i in range(2))}
    assert set(results) == {"2", "3"}
    for result in results.values():
        assert result["compared"][0] == "1"  # both judged against the same champion first
        assert result["outcome"]["champion_before"] == result["compared"][-1]  # each move was made on what it saw
    again = [r for r in results.values() if len(r["compared"]) == 2]
    assert len(again) == 1, results  # exactly one found the champion moved, and compared again
    assert "the champion moved from version 1 to" in again[0]["notes"][0]
    aliases = {alias: str(v) for alias, v in client.get_registered_model(name).aliases.items()}
    if again[0]["version"] == "3":  # 2 moved in first; 3 beat 2 on its second look
        assert aliases == {CHAMPION: "3"}
    else:  # 3 moved in first; 2 lost against 3 on its second look
        assert aliases == {CHAMPION: "3", CHALLENGER: "2"}
    stored = [key for key in s3.keys("mlartifacts/") if key.endswith("model/weights.pt")]
    assert len(stored) == 3  # each run's artifact went through the server into the S3 store
    runs = client.search_runs([client.get_experiment_by_name("racers").experiment_id])
    assert {run.data.metrics["test_map50_95"] for run in runs} == {0.5} and len(runs) == 3
