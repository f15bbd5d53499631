"""The operations flow behind every deployment: run DVC in the repository, then push.

Deployments of this flow (prefect.yaml) differ only in their default targets: the
whole pipeline, or one stage and what it needs. Param overrides make a `dvc exp run`.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from tasks.core.runtime import as_task
from tasks.ops import dvc_repo as dvc_ops

reproduce_task = as_task(dvc_ops.reproduce)
push_task = as_task(dvc_ops.push, retries=2)


@flow(name="pipeline")
def pipeline_flow(
    targets: list[str] | None = None, set_params: dict[str, Any] | None = None, push: bool = True
) -> dict[str, str]:
    """Reproduce `targets` (all stages when empty) with optional param overrides; return dvc.lock's outputs."""
    logger = get_run_logger()
    output = reproduce_task(list(targets or []), dict(set_params or {}))
    logger.info(output[-3000:])
    if push:
        logger.info(push_task())
    return dvc_ops.locked_outputs()


if __name__ == "__main__":
    pipeline_flow()
