"""A relabel round through a real Label Studio: push the batch, annotate through the API, pull, import.

The server is Label Studio from its own venv (`make labelstudio`; $YOLOOP_LABEL_STUDIO points
at another install), on 127.0.0.1 with its state in the test state folder. The batch is
written by the real export from built-in scenes (tests/relabel_batch.py), so no model is trained.
The round trip (push, push again, annotate two of three tasks, pull) runs once in a module fixture;
the tests read what it saw, so they pass in any order. A second round is pulled under a kill (issue 17).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from tasks.core import free_port, read_labels, state_dir
from tasks.labelling import LabelStudio, start_label_studio
from tasks.labelling.labelstudio import project_title, task_file
from testkit.processes import init_repo, project_env, python
from tests.faults.stage_processes import group_runs, kill_when, leftovers, start_process
from tests.relabel_batch import NAMES, write_batch

pytestmark = pytest.mark.slow

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("labelstudio")
    write_batch(root, count=3)
    return init_repo(root)


@pytest.fixture(scope="module")
def server(project):
    started = time.monotonic()
    running = start_label_studio(free_port(), project / "data/relabel", state_dir() / "logs")
    TIMINGS["server_start_s"] = time.monotonic() - started
    try:
        yield running
    finally:
        running.stop()
        with pytest.raises(ProcessLookupError):
            os.killpg(running.process.pid, 0)  # the whole process group is gone
        print(f"\nLabel Studio round trip: {json.dumps({k: round(v, 2) for k, v in TIMINGS.items()})}")


def flat(path: Path) -> list[float]:
    return [value for row in read_labels(path) for value in (row.cls, row.x, row.y, row.w, row.h)]


def cli(project: Path, *args: str, check: bool = True):
    return python("-m", "cli", "labels", *args, cwd=project, check=check)


@pytest.fixture(scope="module")
def round_trip(project, server) -> dict:
    """Push round 1 twice; in the first task move a box, relabel it a star and delete the second; accept the
    second task's drafts; leave the third unfinished; pull. Returns what each step printed or saw."""
    started = time.monotonic()
    pushed = cli(project, "push", "--round", "1").stdout
    TIMINGS["push_s"] = time.monotonic() - started
    client = LabelStudio(server.url, server.token)
    project_id = client.find_project(project_title(1))["id"]
    tasks = {task_file(t): t for t in client.tasks(project_id)}
    first, second, third = sorted(tasks)
    image = client.raw("GET", tasks[first]["data"]["image"])  # served from data/relabel by local-files
    pushed_again = cli(project, "push", "--round", "1").stdout

    drafts = tasks[first]["predictions"][0]["result"]
    moved = json.loads(json.dumps(drafts[0]))
    moved["value"]["x"] += 5.0
    moved["value"]["rectanglelabels"] = [NAMES[2]]
    client.annotate(tasks[first]["id"], [moved, *drafts[2:]])  # one box changed, the second one deleted
    client.annotate(tasks[second]["id"], tasks[second]["predictions"][0]["result"])  # drafts accepted as they are
    pull_started = time.monotonic()
    pulled = cli(project, "pull", "--round", "1")  # the third task is left unfinished
    TIMINGS["pull_and_import_s"] = time.monotonic() - pull_started
    TIMINGS["push_annotate_pull_s"] = time.monotonic() - started
    TIMINGS["round_trip_with_start_s"] = TIMINGS["push_annotate_pull_s"] + TIMINGS["server_start_s"]
    return {
        "pushed": pushed,
        "pushed_again": pushed_again,
        "tasks": tasks,
        "files": (first, second, third),
        "image": image,
        "drafts": drafts,
        "moved": moved,
        "pulled": pulled,
    }


def test_push_annotate_pull_lands_the_finished_labels_only(project, round_trip):
    batch = project / "data/relabel/round-1"
    pushed, tasks = round_trip["pushed"], round_trip["tasks"]
    assert "created project" in pushed and "3 tasks imported" in pushed, pushed
    assert sorted(tasks) == sorted(p.name for p in (batch / "images").iterdir())
    for name, task in tasks.items():
        drafts = read_labels(batch / "labels" / f"{Path(name).stem}.txt")
        assert len(task["predictions"]) == 1 and len(task["predictions"][0]["result"]) == len(drafts) >= 2

    first, second, third = round_trip["files"]
    assert round_trip["image"] == (batch / "images" / first).read_bytes()
    assert "0 tasks imported" in round_trip["pushed_again"]  # pushing again adds nothing

    pulled = round_trip["pulled"]
    assert "2 tasks finished" in pulled.stdout and "1 tasks unfinished, not imported" in pulled.stdout
    assert third in pulled.stdout and "imported 2 label files into data/labels/round-1" in pulled.stdout
    landed = project / "data/labels/round-1"
    expected = [f"{Path(name).stem}.txt" for name in (first, second)]
    assert sorted(p.name for p in (landed / "labels").iterdir()) == expected
    changed = read_labels(landed / "labels" / f"{Path(first).stem}.txt")
    v = round_trip["moved"]["value"]
    assert len(changed) == len(round_trip["drafts"]) - 1 and changed[0].cls == 2
    assert changed[0].x == pytest.approx((v["x"] + v["width"] / 2) / 100, abs=2e-6)
    assert changed[0].y == pytest.approx((v["y"] + v["height"] / 2) / 100, abs=2e-6)
    accepted = landed / "labels" / f"{Path(second).stem}.txt"
    assert flat(accepted) == pytest.approx(flat(batch / "labels" / f"{Path(second).stem}.txt"), abs=2e-6)
    assert (project / "data/labels/round-1.dvc").exists(), "the new version is dvc-added"


def test_a_box_the_gate_refuses_imports_nothing(project, server, round_trip):
    """A rotated box cannot be a YOLO box: the pull stops with the reason, and data/labels stays as it was."""
    client = LabelStudio(server.url, server.token)
    project_id = client.find_project(project_title(1))["id"]
    task = next(t for t in client.tasks(project_id) if not t["annotations"])
    assert task_file(task) == round_trip["files"][2], "the task the round trip left unfinished"
    rotated = json.loads(json.dumps(task["predictions"][0]["result"][0]))
    rotated["value"]["rotation"] = 30
    client.annotate(task["id"], [rotated])
    before = sorted(p.name for p in (project / "data/labels/round-1/labels").iterdir())
    failed = cli(project, "pull", "--round", "1", check=False)
    assert failed.returncode == 2 and "rotated by 30" in failed.stderr and "nothing was imported" in failed.stderr
    assert sorted(p.name for p in (project / "data/labels/round-1/labels").iterdir()) == before


def test_a_pull_killed_while_it_versions_the_round_lands_whole_on_the_next_pull(project, server, tmp_path):
    """Round 2, every task finished: `labels pull` is killed (SIGKILL of its process group, the import it runs
    included) once its `dvc add` of data/labels/round-2 has started; the next pull lands the round whole."""
    batch = write_batch(project, count=3, round_number=2)
    cli(project, "push", "--round", "2")
    client = LabelStudio(server.url, server.token)
    for task in client.tasks(client.find_project(project_title(2))["id"]):
        client.annotate(task["id"], task["predictions"][0]["result"])  # the drafts, accepted
    dest, log = project / "data/labels/round-2", tmp_path / "pull.log"
    command = [sys.executable, "-m", "cli", "labels", "pull", "--round", "2"]
    pulling = start_process(command, project, project_env(), log)
    kill_when(pulling, "labels pull", lambda: group_runs(pulling.pid, "dvc add"), log)
    assert not (project / "data/labels/round-2.dvc").exists(), "killed before the version was recorded"
    assert sorted(p.name for p in (dest / "labels").iterdir()) == sorted(p.name for p in (batch / "labels").iterdir())

    pulled = cli(project, "pull", "--round", "2").stdout
    assert "imported 3 label files into data/labels/round-2" in pulled, pulled
    for returned in (dest / "labels").iterdir():
        assert flat(returned) == pytest.approx(flat(batch / "labels" / returned.name), abs=2e-6)
    assert (project / "data/labels/round-2.dvc").exists() and leftovers(project) == []
    status = python("-m", "dvc", "status", "data/labels/round-2.dvc", cwd=project).stdout
    assert "up to date" in status, status
