"""A flow run whose worker is killed does not stay Running: heartbeats stop, the automation crashes it."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from tasks.core import free_port, wait_for
from tasks.orchestration import ZOMBIE_AFTER, Stack, ensure_zombie_automation, start_worker, talking_to
from testkit.prefect_runs import heartbeats

pytestmark = pytest.mark.slow
POOL = "zombie-test"


def test_killed_worker_leaves_a_crashed_run_not_a_running_one(tmp_path):
    running = Stack.start(free_port(), tmp_path / "home", tmp_path / "logs")
    try:
        with talking_to(running.api_url):
            _crash_a_killed_run(running, tmp_path)
    finally:
        running.stop()


def _crash_a_killed_run(running: Stack, tmp_path: Path) -> None:
    ensure_zombie_automation()
    start_worker(running, tmp_path / "logs", pool=POOL)
    worker = running.processes[-1]
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    source = flow.from_source(source=str(Path(__file__).parent), entrypoint="sleeper_flow.py:sleeper")
    source.deploy(name="sleeper", work_pool_name=POOL, print_next_steps=False)
    flow_run = run_deployment("sleeper/sleeper", timeout=0)

    def state() -> str:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(flow_run.id).state.type.value

    last_state = lambda: f"state {state()}"  # noqa: E731
    wait_for(lambda: state() == "RUNNING", 180, "the sleeper run to be Running", 2, last_state)
    # The automation arms on a heartbeat: the server must have one before the worker dies.
    wait_for(lambda: heartbeats(flow_run.id), 60, "a heartbeat of the sleeper run on the server", 1)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and the flow run it started
    with get_client(sync_client=True) as client:
        pid = int(str(client.read_flow_run(flow_run.id).infrastructure_pid).split(":")[-1])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    assert state() == "RUNNING"  # nothing told the server yet
    crash_within = ZOMBIE_AFTER.total_seconds() + 150
    wait_for(lambda: state() == "CRASHED", crash_within, "the automation to crash the run", 2, last_state)
