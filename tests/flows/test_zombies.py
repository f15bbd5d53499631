"""A flow run whose worker is killed does not stay Running: heartbeats stop, the automation crashes it; a live run
beside it, heartbeating at yoloop's frequency, is left Running however long it runs."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.core import free_port, wait_for
from tasks.orchestration import Stack, ensure_zombie_automation, start_worker, talking_to, zombie_after
from testkit.prefect_runs import heartbeats

pytestmark = pytest.mark.slow
POOL = "zombie-test"
LIVE_POOL = "zombie-test-live"  # its own worker, which is not killed


def test_killed_worker_leaves_a_crashed_run_not_a_running_one_and_a_live_run_alone(tmp_path):
    running = Stack.start(free_port(), tmp_path / "home", tmp_path / "logs")
    try:
        with talking_to(running.api_url):
            _crash_a_killed_run(running, tmp_path)
    finally:
        running.stop()


def _crash_a_killed_run(running: Stack, tmp_path: Path) -> None:
    ensure_zombie_automation()
    window = zombie_after()  # what the automation waits: ZOMBIE_AFTER unless $YOLOOP_ZOMBIE_AFTER_S says
    start_worker(running, tmp_path / "logs", pool=POOL)
    worker = running.processes[-1]
    start_worker(running, tmp_path / "logs", pool=LIVE_POOL)
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    source = flow.from_source(source=str(Path(__file__).parent), entrypoint="sleeper_flow.py:sleeper")
    source.deploy(name="sleeper", work_pool_name=POOL, print_next_steps=False)
    source.deploy(name="live", work_pool_name=LIVE_POOL, print_next_steps=False)
    flow_run, live_run = run_deployment("sleeper/sleeper", timeout=0), run_deployment("sleeper/live", timeout=0)

    def state(run_id=flow_run.id) -> str:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(run_id).state.type.value

    last_state = lambda: f"state {state()}, live run {state(live_run.id)}"  # noqa: E731
    wait_for(lambda: state() == state(live_run.id) == "RUNNING", 180, "both sleeper runs to be Running", 2, last_state)
    # The automation arms on a heartbeat: the server must have one of each run before the worker dies.
    wait_for(lambda: heartbeats(flow_run.id) and heartbeats(live_run.id), 60, "a heartbeat of each sleeper run", 1)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and the flow run it started
    with get_client(sync_client=True) as client:
        pid = int(str(client.read_flow_run(flow_run.id).infrastructure_pid).split(":")[-1])
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    assert state() == "RUNNING"  # nothing told the server yet
    crash_within = window.total_seconds() + 150
    wait_for(lambda: state() == "CRASHED", crash_within, "the automation to crash the run", 2, last_state)
    # The killed run was crashed `window` after its last heartbeat, which came after the live run was Running:
    # the live run has been Running longer than the automation waits, and its heartbeats kept it alive.
    with get_client(sync_client=True) as client:
        live = client.read_flow_run(live_run.id)
    assert live.state.type.value == "RUNNING", f"a live run was crashed: {live.state}"
    assert datetime.now(UTC) - live.start_time > window
    assert heartbeats(live_run.id) >= 2
