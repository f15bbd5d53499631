"""The flow behind the `clone-pipeline/*` deployments: a run that needs no disk shared with anyone.

Prefect's pull steps have already cloned the repository into this run's own folder and made it the
working directory (prefect.yaml). The flow checks the shared remote before any work, pulls what it
holds, reproduces the targets (a `dvc exp run` with param overrides), and publishes: `dvc push`, then
the result branch `yoloop/runs/<run>` to the git origin (tasks/ops/workspace_clone.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from tasks.core.runtime import as_task
from tasks.ops import dvc_repo as dvc_ops
from tasks.ops import workspace_clone
from tasks.ops.s3 import check_remote

check_remote_task = as_task(check_remote)
pull_data_task = as_task(workspace_clone.pull_data, retries=2)
reproduce_task = as_task(dvc_ops.reproduce)
publish_task = as_task(workspace_clone.publish)


@flow(name="clone-pipeline")
def clone_pipeline_flow(
    targets: list[str] | None = None, set_params: dict[str, Any] | None = None, push: bool = True
) -> dict[str, Any]:
    """Check the remote, dvc pull, reproduce `targets` (all when empty), publish a result branch."""
    logger, repo = get_run_logger(), Path.cwd()
    logger.info(f"clone {repo}, CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')}")
    logger.info(check_remote_task(repo))
    logger.info(pull_data_task(repo)[-2000:])
    targets, overrides = list(targets or []), dict(set_params or {})
    logger.info(reproduce_task(targets, overrides, repo)[-3000:])
    run_name = f"{flow_run.get_name() or 'local'}-{str(flow_run.get_id() or '')[:8]}"
    result: dict[str, Any] = {"run": run_name, "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
    if push:
        what = f"dvc repro {' '.join(targets) or '(all)'}" + (f" with {overrides}" if overrides else "")
        result |= publish_task(repo, workspace_clone.result_branch(run_name), f"yoloop run {run_name}: {what}")
        logger.info(f"results on {result['branch']} ({result['commit'][:10]})")
    return {**result, "outputs": dvc_ops.locked_outputs(repo)}


if __name__ == "__main__":
    clone_pipeline_flow()
