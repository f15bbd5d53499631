"""Stages as real processes for the fault tests: started, killed, run again, and what they left on disk."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import psutil

from tasks.core import WaitTimedOut, wait_for
from tasks.orchestration import ZOMBIE_AFTER
from testkit.prefect_runs import flow_run_ids, flow_run_state, heartbeats
from testkit.processes import project_env
from tests.projects import Project

OUTPUT_FOLDERS = ("data", "models", "metrics", "reports")
TEMPORARY = (".partial", ".old", ".tmp")  # what atomic_dir and write_text_atomic leave when cut off


def stage_env(project: Project, state: Path, **extra: str) -> dict[str, str]:
    """The project's MLflow store and a state folder (run folders, scratch) of the test's own."""
    return project_env(YOLOOP_STATE_DIR=str(state), MLFLOW_TRACKING_URI=project.tracking_uri, **extra)


def session_prefect_env() -> dict[str, str]:
    """The session's Prefect server (`prefect_harness`) for the stages a test starts: each then starts no
    temporary server of its own, which is much of a short stage's run time on a busy machine."""
    from prefect.settings import PREFECT_API_URL

    return {"PREFECT_API_URL": PREFECT_API_URL.value()}


def start_process(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`command` in a session of its own, so a kill of its group takes its children (dvc, Ultralytics) too."""
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT)


def start_stage(stage: str, project: Project, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`python -m flows.<stage>` in a session of its own."""
    return start_process([sys.executable, "-m", f"flows.{stage}"], project.root, env, log)


def kill_when(process: subprocess.Popen, what: str, at_work: Callable[[], bool], log: Path) -> None:
    """SIGKILL `process`'s group once `at_work()` holds, and wait until every process of it is gone (DVC
    counts a killed process that is not yet reaped as one that still holds its lock).

    Fails at once if the process ends first: it was never caught in the middle of its work.
    """

    def working() -> bool:
        assert process.poll() is None, f"{what} ended (rc={process.returncode}) before it was seen at work"
        return at_work()

    try:
        wait_for(working, 600, f"{what} at work", interval_s=0.05, detail=lambda: tail(log))
    finally:
        with contextlib.suppress(ProcessLookupError):  # gone already when it ended before the point
            os.killpg(process.pid, signal.SIGKILL)  # the fault (or, when the wait failed, the clean-up)
        process.wait()
        _wait_group_gone(process.pid, what)


def _members(group: int) -> list[psutil.Process]:
    found = []
    for member in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(member.pid) == group:
                found.append(member)
    return found


def _wait_group_gone(group: int, what: str) -> None:
    """Until no process of `group` is left, reaped ones included; after 30 s, dead ones that nothing reaps
    (an init that does not reap orphans) are let be, live ones fail the test."""
    try:
        wait_for(lambda: not _members(group), 30, f"every process of the killed {what} reaped")
    except WaitTimedOut:
        live = [m for m in _members(group) if m.status() != psutil.STATUS_ZOMBIE]
        assert not live, f"processes of the killed {what} still alive: {live}"


@dataclass
class KilledStage:
    process: subprocess.Popen
    flow_run_id: UUID  # its Prefect flow run, which nothing told the server had ended


def kill_when_at_work(
    stage: str, project: Project, env: dict[str, str], at_work: Callable[[Path], bool], log: Path
) -> KilledStage:
    """Start `stage`, SIGKILL its process group once `at_work(root)` holds; the killed process and its flow run."""
    earlier = flow_run_ids(stage)
    process = start_stage(stage, project, env, log)
    kill_when(process, stage, lambda: at_work(project.root), log)
    (flow_run_id,) = flow_run_ids(stage) - earlier
    assert flow_run_state(flow_run_id) == "RUNNING", "nothing has told the server yet"
    return KilledStage(process, flow_run_id)


def wait_crashed(killed_runs: Iterable[UUID]) -> None:
    """Each killed stage's flow run is marked Crashed by the zombie automation, not left Running.

    The automation arms on the run's Running state or a heartbeat: a kill in the first second counts too.
    """
    killed_runs = list(killed_runs)
    crashed = lambda: all(flow_run_state(run) == "CRASHED" for run in killed_runs)  # noqa: E731
    detail = lambda: str({f"{run} ({heartbeats(run)} heartbeats)": flow_run_state(run) for run in killed_runs})  # noqa: E731
    wait_for(crashed, ZOMBIE_AFTER.total_seconds() + 150, "the killed runs Crashed", 2, detail)


def run_stage(stage: str, project: Project, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", f"flows.{stage}"]
    return subprocess.run(command, cwd=project.root, env=env, capture_output=True, text=True, timeout=timeout)


def outputs_snapshot(root: Path) -> dict[str, str]:
    """Every file under the output folders, by content digest: equal snapshots mean nothing was touched."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in OUTPUT_FOLDERS
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def leftovers(root: Path) -> list[str]:
    """The temporary files and folders a cut-off write left under the output folders."""
    return sorted(
        str(p.relative_to(root)) for f in OUTPUT_FOLDERS for p in (root / f).rglob(".*") if p.name.endswith(TEMPORARY)
    )


def dvc_versioning(repo: Path, folder: Path) -> bool:
    """`dvc add` of `folder` is at work: DVC's lock file holds a write lock on it."""
    try:
        locks = json.loads((repo / ".dvc/tmp/rwlock").read_text())
    except (FileNotFoundError, json.JSONDecodeError):  # not there yet, or caught while DVC rewrites it
        return False
    return str(folder.resolve()) in locks.get("write", {})


def group_runs(group: int, command: str) -> bool:
    """A process of process group `group` has `command` (say `dvc add`) in its command line."""
    for member in _members(group):
        with contextlib.suppress(psutil.Error):
            if command in " ".join(member.cmdline()):
                return True
    return False


def epochs_done(runs: Path) -> int:
    """Epochs the training runs under `runs` (a stage's run folders) have finished: rows of their results.csv."""
    return max((len(t.read_text().strip().splitlines()) - 1 for t in runs.glob("*/results.csv")), default=0)


def train_runs(client, project: Project, status: str | None = None) -> list:
    """The MLflow runs of the train stage in `client`'s store, of one status if given."""
    experiment = client.get_experiment_by_name(project.params().tracking.experiment)
    query = "tags.`yoloop.stage` = 'train'" + (f" and attributes.status = '{status}'" if status else "")
    return client.search_runs([experiment.experiment_id], query)


def has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"
