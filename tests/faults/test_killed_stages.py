"""SIGKILL in the middle of prepare, transfer, evaluate and mine, then a rerun (issue 17).

Each stage is killed (its whole process group: Ultralytics, mongod) once it is visibly at work,
then run again, and its outputs are compared with an uninterrupted run of the same stage on a copy
of the same project: equal by content where the stage is deterministic (prepare), equal in files
and JSON keys where it is not (a training). In between, the killed stage has published nothing but
whole outputs, and afterwards no temporary folder or file is left, no MLflow run is RUNNING, and the
zombie automation has marked each killed stage's Prefect flow run Crashed.
`train` has its own test (tests/faults/test_killed_training.py).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tasks.core import Layout, wait_for
from tests.faults.stage_processes import (
    TEMPORARY,
    has_files,
    kill_when_at_work,
    leftovers,
    outputs_snapshot,
    run_stage,
    session_prefect_env,
    stage_env,
    start_stage,
    tail,
    wait_crashed,
)
from tests.projects import Project

pytestmark = pytest.mark.slow


def _visible(snapshot: dict[str, str]) -> dict[str, str]:
    """A snapshot without the temporary parts a kill leaves beside an output."""
    return {k: v for k, v in snapshot.items() if not any(part.endswith(TEMPORARY) for part in Path(k).parts)}


def _shape(root: Path) -> dict[str, object]:
    """Each output file: for JSON its top-level keys, for anything else only that it is there. A relabel
    batch's images and labels count by folder: another model (training is not bit-exact) picks others."""
    shape: dict[str, object] = {}
    for name in outputs_snapshot(root):
        path = root / name
        if name.startswith("data/relabel/") and path.parent.name in ("images", "labels"):
            key = str(path.parent.relative_to(root))
            shape[key] = int(shape.get(key, 0)) + 1  # type: ignore[call-overload]
            continue
        loaded = json.loads(path.read_text()) if path.suffix == ".json" else None
        shape[name] = sorted(loaded) if isinstance(loaded, dict) else path.suffix
    return shape


def _running_runs(project: Project) -> list[str]:
    client = project.mlflow()
    return [
        f"{run.data.tags.get('yoloop.stage')} {run.info.run_id}"
        for experiment in client.search_experiments()
        for run in client.search_runs([experiment.experiment_id], "attributes.status = 'RUNNING'")
    ]


def _batch_exported(root: Path) -> bool:
    return any((root / "data/relabel").glob("round-*/manifest.json"))


# (stage, the sign that it is in the middle of its work)
CHAIN: list[tuple[str, Callable[[Path], bool]]] = [
    ("transfer", lambda root: any(has_files(run) for run in (Layout(root).runs / "transfer").glob("*"))),
    ("evaluate", lambda root: has_files(Layout(root).scratch / "evaluate")),
    ("mine", _batch_exported),  # killed while it writes the reports and the FiftyOne index
]


def test_killed_transfer_evaluate_and_mine_rerun_to_what_an_uninterrupted_run_makes(trained_project, tmp_path):
    killed, reference = (trained_project.copy_to(tmp_path / name) for name in ("killed", "reference"))
    envs = {p.root: stage_env(p, tmp_path / "state", **session_prefect_env()) for p in (killed, reference)}
    killed_runs = []
    for stage, at_work in CHAIN:
        done = run_stage(stage, reference, envs[reference.root])
        assert done.returncode == 0, done.stderr[-3000:]
        before = outputs_snapshot(killed.root)
        killed_runs.append(kill_when_at_work(stage, killed, envs[killed.root], at_work, tmp_path / f"{stage}.log"))
        after_kill = _visible(outputs_snapshot(killed.root))
        changed = sorted(k for k, v in after_kill.items() if before.get(k) != v)
        assert set(before) <= set(after_kill), f"{stage}: the kill lost an earlier output"
        if stage == "mine":  # killed after the batch went out: it and the reports written so far are whole
            (batch,) = (killed.root / "data/relabel").glob("round-*")
            manifest = json.loads((batch / "manifest.json").read_text())
            assert manifest["images"], manifest
            assert all((batch / "images" / Path(e["file"]).name).is_file() for e in manifest["images"]), manifest
            batch_key = str(batch.relative_to(killed.root))
            for name in (k for k in changed if not k.startswith(batch_key)):
                assert name.startswith("reports/mine/") and name.endswith(".json"), changed
                json.loads((killed.root / name).read_text())  # whole, or this raises
        else:
            assert changed == [], f"{stage}: the kill published a part of an output"
        rerun = run_stage(stage, killed, envs[killed.root])
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert leftovers(killed.root) == [], stage
        assert _shape(killed.root) == _shape(reference.root), stage
        assert _running_runs(killed) == [], f"{stage}: a zombie MLflow run is left"
    wait_crashed(run.flow_run_id for run in killed_runs)


def test_a_killed_prepare_reruns_to_the_same_bytes_as_an_uninterrupted_one(make_project, tmp_path):
    bigger = {"prepare": {"builtin": {"images": {"base_train": 120, "pool": 120}}}}  # long enough to be caught
    killed, reference = make_project(bigger, name="killed"), make_project(bigger, name="reference")
    envs = {p.root: stage_env(p, tmp_path / "state", **session_prefect_env()) for p in (killed, reference)}
    assert run_stage("prepare", reference, envs[reference.root]).returncode == 0
    in_middle = lambda root: has_files(root / "data/.prepared.partial")  # noqa: E731
    stage = kill_when_at_work("prepare", killed, envs[killed.root], in_middle, tmp_path / "prepare.log")
    assert _visible(outputs_snapshot(killed.root)) == {}, "the kill published a part of an output"
    rerun = run_stage("prepare", killed, envs[killed.root])
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert leftovers(killed.root) == []
    assert outputs_snapshot(killed.root) == outputs_snapshot(reference.root)
    wait_crashed([stage.flow_run_id])


def _mongods(database_dir: Path) -> list[int]:
    """Pids of the mongod processes serving `database_dir`."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = process.info["cmdline"] or []  # empty: not readable, or it just ended
        if command and command[0].endswith("mongod") and str(database_dir) in command:
            found.append(process.pid)
    return found


def test_mongod_killed_while_mine_indexes_the_pool(trained_project, tmp_path):
    project = trained_project.copy_to(tmp_path / "project")
    project.update_params({"mine": {"model": "train"}})
    database = tmp_path / "db"  # a mongod of this test's own: the session's serves every other test
    env = stage_env(project, tmp_path / "state", FIFTYONE_DATABASE_DIR=str(database), **session_prefect_env())
    log = tmp_path / "mine.log"
    before = outputs_snapshot(project.root)
    process = start_stage("mine", project, env, log)

    def mongod_at_work() -> list[int]:
        # A mine that ends first used no mongod of its folder (once, it joined this process's mongod through
        # FIFTYONE_PRIVATE_DATABASE_PORT, which project_env no longer passes on): the fault was not injected.
        assert process.poll() is None, f"mine ended (rc={process.returncode}) before its mongod was seen: {tail(log)}"
        return _mongods(database)

    try:
        pids = wait_for(mongod_at_work, 600, "mine's mongod", interval_s=0.05, detail=lambda: tail(log))
        for pid in pids:
            os.kill(pid, signal.SIGKILL)  # the fault: the database dies under the stage
        returncode = process.wait(timeout=600)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert returncode == 2, tail(log)
    last = tail(log).strip().splitlines()[-1]
    assert last.startswith(f"error: FiftyOne's database (mongod of {database}) stopped or did not start"), tail(log)
    for name, digest in _visible(outputs_snapshot(project.root)).items():  # whole: the old file or a new whole one
        if before.get(name) != digest and name.endswith(".json"):
            json.loads((project.root / name).read_text())
    rerun = run_stage("mine", project, env)  # a new mongod
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert leftovers(project.root) == []
    assert _batch_exported(project.root)
    wait_for(lambda: not _mongods(database), 120, "no mongod left once the stage is over")
