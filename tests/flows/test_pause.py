"""The pause for labellers: the run waits, refuses a wrong folder, and resumes with the right one."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from prefect import flow

from tasks.orchestration import wait_for_labels
from tests.flows.paused import paused_run

pytestmark = pytest.mark.slow


@flow(name="pause-probe")
def pause_probe(batch_dir: str) -> str:
    return str(wait_for_labels(Path(batch_dir), timeout_s=300, poll_s=1))


def test_run_pauses_refuses_a_missing_folder_and_resumes_with_labels(tmp_path, prefect_harness):
    from prefect.flow_runs import resume_flow_run
    from prefect.types import DateTime

    labels = tmp_path / "returned"
    labels.mkdir()
    result: dict[str, str] = {}
    started = DateTime.now("UTC")
    worker = threading.Thread(target=lambda: result.update(path=pause_probe(str(tmp_path / "batch"))))
    worker.start()
    run = paused_run("pause-probe", started)
    assert "path" not in result, "the flow must wait for its input"
    resume_flow_run(run.id, run_input={"labels_dir": str(tmp_path / "typo")})
    again = paused_run("pause-probe", started, not_state=run.state.id)  # refused: a new pause, nothing done
    assert again.id == run.id and "path" not in result and worker.is_alive()
    resume_flow_run(again.id, run_input={"labels_dir": str(labels)})
    worker.join(timeout=120)
    assert not worker.is_alive(), "the flow did not finish after the right folder"
    assert result["path"] == str(labels)
