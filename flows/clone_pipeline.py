"""The flow behind the `clone-pipeline/*` deployments: a run that needs no disk shared with anyone.

Prefect's pull steps have already cloned the repository into this run's own folder and made it the
working directory (prefect.yaml), so the project root is that clone. The flow checks the shared
remote before any work, pulls what it holds, reproduces the targets (a `dvc exp run` with param
overrides), and publishes: `dvc push`, then the result branch `yoloop/runs/<run>` to the git origin
(tasks/versioning/clone.py).
"""

from __future__ import annotations

import os
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.steps.operations import check_remote_task, publish_run_task, pull_data_task, reproduce_task
from tasks.core import project_root
from tasks.versioning import locked_outputs, run_name


@flow(name="clone-pipeline")
def clone_pipeline_flow(
    targets: list[str] | None = None, set_params: dict[str, Any] | None = None, push: bool = True
) -> dict[str, Any]:
    """Check the remote, dvc pull, reproduce `targets` (all when empty), publish a result branch."""
    logger, repo, device = get_run_logger(), project_root(), os.environ.get("CUDA_VISIBLE_DEVICES")
    logger.info(f"clone {repo.resolve()}, CUDA_VISIBLE_DEVICES={device}")
    logger.info(check_remote_task(repo))
    logger.info(pull_data_task(repo)[-2000:])
    targets, overrides = list(targets or []), dict(set_params or {})
    logger.info(reproduce_task(targets, overrides, repo)[-3000:])
    result: dict[str, Any] = {"run": run_name(flow_run.get_name(), flow_run.get_id()), "cuda_visible_devices": device}
    if push:
        result |= publish_run_task(repo, result["run"], targets, overrides)
        logger.info(f"results on {result['branch']} ({result['commit'][:10]})")
    return {**result, "outputs": locked_outputs(repo)}


if __name__ == "__main__":
    clone_pipeline_flow()
