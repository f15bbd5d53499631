"""A stage entry whose flow only waits: `python -m tests.flows.waiting_stage`, run from a project root.

The flow writes its flow run's id into `flow-run-id` and the API URL it reports to into
`flow-api-url`, then waits until a file `release` appears (or until it is killed): the stand-in
for a long stage in the stage-server tests.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from prefect.settings import PREFECT_API_URL

from tasks.core import Params
from tasks.orchestration import stage_main

HOLD_S = 600


@flow(name="waiting-stage")
def waiting_flow(params: Params, root: Path) -> None:
    (root / "flow-run-id").write_text(str(flow_run.id))
    (root / "flow-api-url").write_text(str(PREFECT_API_URL.value()))
    deadline = time.monotonic() + HOLD_S
    while not (root / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.2)


if __name__ == "__main__":
    stage_main(waiting_flow)
