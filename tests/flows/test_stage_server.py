"""The Prefect server a stage reports to: one for a whole run, and a stage's own dies with it, even under SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import psutil

from tasks.core import answers, wait_for
from tasks.orchestration import ZOMBIE_AFTER_ENV, serving, talking_to
from testkit.prefect_runs import flow_run_state
from testkit.processes import init_repo, project_env

STARTUP_S = 180  # a server start on a loaded 2-core machine


def env_without_server() -> dict[str, str]:
    env = project_env()
    env.pop("PREFECT_API_URL", None)
    return env


def start_waiting_stage(root: Path, env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.flows.waiting_stage"]
    return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def reported_url(stage: subprocess.Popen, root: Path) -> str:
    """The API URL the stage's flow wrote, once it runs; fails at once if the stage exited."""

    def written() -> str:
        if stage.poll() is not None:
            raise AssertionError(f"the stage exited with {stage.returncode}:\n{stage.stderr.read()[-3000:]}")
        path = root / "flow-api-url"
        return path.exists() and path.read_text()

    return wait_for(written, STARTUP_S, "the waiting flow to start")


def uvicorn_children(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if "uvicorn" in " ".join(p.cmdline())]


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # dead, waiting for a reaper that may never come
    except psutil.NoSuchProcess:
        return True


def test_a_stage_alone_has_a_server_that_dies_with_it_under_sigkill(make_project):
    root = make_project().root
    stage = start_waiting_stage(root, env_without_server())
    servers: list[psutil.Process] = []
    try:
        api_url = reported_url(stage, root)
        servers = uvicorn_children(stage.pid)
        assert len(servers) == 1, f"the stage should run one server of its own: {servers}"
        assert answers(f"{api_url}/health")
        os.kill(stage.pid, signal.SIGKILL)
        stage.wait()
        wait_for(lambda: gone(servers[0]), 10, f"the server of the killed stage (pid {servers[0].pid}) to die")
        assert not answers(f"{api_url}/health")
    finally:
        stage.kill()
        for server in servers:
            if not gone(server):
                server.kill()  # do not leave one behind when the test fails


def test_the_next_stage_alone_crashes_the_run_a_killed_stage_alone_left_running(make_project, tmp_path):
    """The killed stage's server died with it, so nothing marked its run; the next stage run alone (a server of
    its own on the same database) marks it Crashed once it has been silent for the zombie window (shortened here
    to 40 s from production's 90: still above one heartbeat interval, so the live run is not taken for dead)."""
    root = make_project().root
    window_s = 40
    env = {**env_without_server(), "PREFECT_HOME": str(tmp_path / "prefect"), ZOMBIE_AFTER_ENV: str(window_s)}
    stage = start_waiting_stage(root, env)
    reported_url(stage, root)
    killed_run = (root / "flow-run-id").read_text()
    os.kill(stage.pid, signal.SIGKILL)
    stage.wait()
    time.sleep(window_s + 5)  # silent for longer than the window
    for written in ("flow-run-id", "flow-api-url"):
        (root / written).unlink()
    stage = start_waiting_stage(root, env)
    try:
        with talking_to(reported_url(stage, root)):
            assert flow_run_state(UUID(killed_run)) == "CRASHED"
            assert flow_run_state(UUID((root / "flow-run-id").read_text())) == "RUNNING", "the live run is left"
        (root / "release").touch()
        assert stage.wait(timeout=120) == 0, stage.stderr.read()[-3000:]
    finally:
        stage.kill()


def test_a_stage_reports_to_the_running_server_and_starts_none(make_project, prefect_server):
    root = make_project().root
    env = {**env_without_server(), "PREFECT_API_URL": prefect_server}
    stage = start_waiting_stage(root, env)
    try:
        assert reported_url(stage, root) == prefect_server
        assert uvicorn_children(stage.pid) == []
        (root / "release").touch()
        assert stage.wait(timeout=120) == 0, stage.stderr.read()[-3000:]
    finally:
        stage.kill()


def test_serving_reuses_the_running_server(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    with serving() as api_url:
        assert api_url == "http://127.0.0.1:9/api"
    assert os.environ["PREFECT_API_URL"] == api_url  # the server is not ours: left as it was


def test_yoloop_repro_runs_every_stage_under_one_server_and_stops_it(tmp_path):
    """Two DVC stages record the server they were given; it is the same, and it is gone after. Their `python` is
    yoloop's interpreter although its folder is not on PATH (a venv not activated)."""
    repo = init_repo(tmp_path / "repo")
    record = "import os, sys, urllib.request as u; u.urlopen(os.environ['PREFECT_API_URL'] + '/health');"
    record += " open(sys.argv[1], 'w').write(os.environ['PREFECT_API_URL'] + ' ' + sys.prefix)"
    stages = {name: {"cmd": f'python -c "{record}" {name}.url', "outs": [f"{name}.url"]} for name in ("one", "two")}
    (repo / "dvc.yaml").write_text(json.dumps({"stages": stages}))
    env = env_without_server()
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    command = [sys.executable, "-m", "cli", "repro"]
    result = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    recorded = {(repo / f"{name}.url").read_text() for name in stages}
    assert len(recorded) == 1, recorded
    url, prefix = recorded.pop().split(" ")
    assert prefix == sys.prefix, "the stages ran yoloop's interpreter"
    assert not answers(f"{url}/health")
