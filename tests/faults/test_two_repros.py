"""Two `dvc repro` at once in one workspace (issue 17): the second stops at once, naming the lock and the
process that runs, and the first finishes unharmed.

The first runs a stage that holds until the test opens its gate, so the second always meets it running.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tasks.core import wait_for
from tasks.versioning import LOCK_FILE
from testkit.processes import init_repo, project_env, python
from tests.faults.stage_processes import tail

pytestmark = pytest.mark.slow
GATED_STAGE = """\
import pathlib, sys, time
pathlib.Path("started").touch()
deadline = time.monotonic() + 600  # a test that died never opens the gate
while not pathlib.Path("gate").exists():  # the stage's work: holding until the test lets it finish
    if time.monotonic() > deadline:
        sys.exit("the gate was never opened")
    time.sleep(0.1)
pathlib.Path("out.txt").write_text("done\\n")
"""
PIPELINE = "stages:\n  gated:\n    cmd: python gated.py\n    deps: [gated.py]\n    outs: [out.txt]\n"


def _workspace(root: Path) -> Path:
    init_repo(root)
    (root / "gated.py").write_text(GATED_STAGE)
    (root / "dvc.yaml").write_text(PIPELINE)
    return root


def test_a_second_repro_stops_at_once_naming_the_first(tmp_path):
    repo, log = _workspace(tmp_path / "repo"), tmp_path / "first.log"
    with log.open("w") as out:
        command = [sys.executable, "-m", "cli", "repro", "gated"]
        first = subprocess.Popen(command, cwd=repo, env=project_env(), stdout=out, stderr=out)

    def first_stage_runs() -> bool:
        assert first.poll() is None, f"the first repro ended (rc={first.returncode}): {tail(log)}"
        return (repo / "started").exists()

    try:
        wait_for(first_stage_runs, 120, "the first repro's stage to start")
        second = python("-m", "cli", "repro", "gated", cwd=repo, check=False)
        assert second.returncode == 2, second.stderr[-3000:]
        lock_line = f"error: {LOCK_FILE}: a `yoloop repro` is already running in this workspace: pid {first.pid}"
        assert lock_line in second.stderr, second.stderr[-3000:]
        assert "(yoloop repro gated)" in second.stderr, "the running command is named"
        assert "out.txt written by pid" in second.stderr, "and the DVC process running the stage"
        plain = python("-m", "dvc", "repro", "gated", cwd=repo, check=False)  # DVC's own refusal, beside it
        assert plain.returncode != 0
        assert "is busy, it is being blocked by" in plain.stderr, plain.stderr[-3000:]
    finally:
        (repo / "gate").touch()  # the first finishes, whatever the checks above found
    assert first.wait(timeout=300) == 0, tail(log)
    assert (repo / "out.txt").read_text() == "done\n"
    assert "Data and pipelines are up to date" in python("-m", "dvc", "status", cwd=repo).stdout
