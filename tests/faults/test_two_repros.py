"""Two `dvc repro` at once in one workspace (issue 17): the second stops at once, naming the lock and the
process that runs, and the first finishes unharmed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tasks.ops.repro_lock import LOCK_FILE
from testkit.processes import project_env, python
from testkit.waiting import wait_for
from tests.faults.stage_processes import session_prefect_env, tail

pytestmark = pytest.mark.slow


def test_a_second_repro_stops_at_once_naming_the_first(make_project, tmp_path, prefect_harness):
    repo = make_project(name="repo", repo=True).root
    log = tmp_path / "first.log"
    with log.open("w") as out:
        first = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "repro", "prepare"],
            cwd=repo,
            env=project_env(**session_prefect_env()),
            stdout=out,
            stderr=out,
        )
    lock = repo / LOCK_FILE

    def first_holds_the_lock() -> bool:
        assert first.poll() is None, f"the first repro ended (rc={first.returncode}): {tail(log)}"
        return lock.exists() and f"pid {first.pid} " in lock.read_text()

    wait_for(first_holds_the_lock, 120, "the first repro to hold the workspace's lock")
    second = python("-m", "flows.cli", "repro", "prepare", cwd=repo, check=False)
    assert second.returncode == 2, second.stderr[-3000:]
    assert f"error: {LOCK_FILE}: a `yoloop repro` is already running in this workspace: pid {first.pid}" in (
        second.stderr
    )
    assert "yoloop repro prepare" in second.stderr, "the running command is named"
    assert first.poll() is None, "the second stopped at once, without waiting for the first"
    plain = python("-m", "dvc", "repro", "prepare", cwd=repo, check=False)  # DVC's own refusal, whatever the moment
    assert plain.returncode != 0
    assert "Unable to acquire lock" in plain.stderr or "is busy, it is being blocked by" in plain.stderr

    assert first.wait(timeout=600) == 0, tail(log)
    assert "Running stage 'prepare'" in log.read_text()
    assert (repo / "data/prepared").is_dir()
    assert "Data and pipelines are up to date" in python("-m", "dvc", "status", "prepare", cwd=repo).stdout
