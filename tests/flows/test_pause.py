"""The pause for labellers: the run waits, refuses a wrong folder, and resumes with the right one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from prefect import flow

from flows.labelling import wait_for_labels

pytestmark = pytest.mark.slow


@flow(name="pause-probe")
def pause_probe(batch_dir: str) -> str:
    return str(wait_for_labels(Path(batch_dir), timeout_s=300, poll_s=1))


def _paused_run(name: str, after: float, timeout_s: float = 120):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=after)))
            paused = [r for r in runs if r.name and r.state.is_paused() and r.flow_id == _flow_id(client, name)]
            if paused:
                return paused[0]
            time.sleep(1)
    raise AssertionError("the flow run never paused")


def _flow_id(client, name: str):
    return client.read_flow_by_name(name).id


def test_run_pauses_refuses_a_missing_folder_and_resumes_with_labels(tmp_path, prefect_harness):
    from prefect.flow_runs import resume_flow_run
    from prefect.types import DateTime

    labels = tmp_path / "returned"
    labels.mkdir()
    result: dict[str, str] = {}
    started = DateTime.now("UTC")
    worker = threading.Thread(target=lambda: result.update(path=pause_probe(str(tmp_path / "batch"))))
    worker.start()
    run = _paused_run("pause-probe", started)
    assert "path" not in result, "the flow must wait for its input"
    resume_flow_run(run.id, run_input={"labels_dir": str(tmp_path / "typo")})
    time.sleep(3)
    run = _paused_run("pause-probe", started)  # refused: paused again, nothing done
    resume_flow_run(run.id, run_input={"labels_dir": str(labels)})
    worker.join(timeout=120)
    assert result["path"] == str(labels)
