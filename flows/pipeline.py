"""The operations flow behind every deployment: run DVC in the repository, then push.

Deployments of this flow (prefect.yaml) differ only in their default targets: the
whole pipeline, or one stage and what it needs. Param overrides make a `dvc exp run`.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.steps.operations import push_task, reproduce_task
from tasks.core import project_root
from tasks.versioning import locked_outputs


@flow(name="pipeline")
def pipeline_flow(
    targets: list[str] | None = None, set_params: dict[str, Any] | None = None, push: bool = True
) -> dict[str, str]:
    """Reproduce `targets` (all stages when empty) with optional param overrides; return dvc.lock's outputs."""
    logger, repo = get_run_logger(), project_root()
    output = reproduce_task(list(targets or []), dict(set_params or {}), repo)
    logger.info(output[-3000:])
    if push:
        logger.info(push_task(repo))
    return locked_outputs(repo)


if __name__ == "__main__":
    pipeline_flow()
