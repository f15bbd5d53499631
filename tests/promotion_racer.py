"""One of two evaluations racing on a shared tracking server (tests/flows/test_tracking_server.py).

`python -m tests.promotion_racer --model M --barrier DIR --out FILE` logs a run with a metric and an
artifact, registers it as a new version of M, then judges it against the champion the way the evaluate
stage does (read the champion, compare, apply_decision with compared_with, under `settle`). The
first comparison waits at a barrier until the other racer has read the champion too, so both
decisions are made against the same champion. The rule compares version numbers: a later version
beats an earlier one. Writes what it compared against and the outcome to FILE as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from tasks.core import wait_for
from tasks.evaluate import apply_decision, settle
from tasks.tracking import champion_version

BARRIER_TIMEOUT_S = 120


def register_version(model: str, workdir: Path) -> str:
    """A run with a metric and an artifact (proxied by the server to S3), registered as a model version."""
    import mlflow
    from mlflow import MlflowClient

    client = MlflowClient()
    experiment = mlflow.set_experiment("racers")
    with mlflow.start_run(experiment_id=experiment.experiment_id, run_name=f"racer-{os.getpid()}") as run:
        mlflow.log_metric("test_map50_95", 0.5)
        weights = workdir / "weights.pt"
        weights.write_bytes(os.urandom(4096))
        mlflow.log_artifact(str(weights), artifact_path="model")
    found = client.create_model_version(model, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    return str(found.version)


def wait_for_all(barrier: Path, me: str, count: int) -> None:
    (barrier / f"{me}.ready").touch()
    arrived = lambda: len(list(barrier.glob("*.ready"))) >= count  # noqa: E731
    wait_for(arrived, BARRIER_TIMEOUT_S, "the other racer to reach the barrier", interval_s=0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--barrier", type=Path, required=True)
    parser.add_argument("--racers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()
    from mlflow import MlflowClient

    client = MlflowClient()
    version = register_version(options.model, options.out.parent)
    compared: list[str | None] = []
    notes: list[str] = []

    def judge() -> dict:
        champion = champion_version(client, options.model)
        compared.append(champion)
        if len(compared) == 1:
            wait_for_all(options.barrier, version, options.racers)
        promote = champion is None or int(version) > int(champion)
        decision = {"promote": promote, "reasons": [f"version {version} vs champion {champion}"]}
        return apply_decision(client, options.model, version, decision, compared_with=champion)

    outcome = settle(judge, log=notes.append)
    options.out.write_text(json.dumps({"version": version, "compared": compared, "outcome": outcome, "notes": notes}))


if __name__ == "__main__":
    main()
