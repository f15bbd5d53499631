"""A relabel round through a real Label Studio: push the batch, annotate through the API, pull, import.

The server is Label Studio from its own venv (`make labelstudio`; $YOLOOP_LABEL_STUDIO points
at another install), on 127.0.0.1 with its state in the test state folder. The batch is
written by the real export from built-in scenes (tests/relabel_batch.py), so no model is trained.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from tasks.core.runtime import state_dir
from tasks.core.yolo_files import read_labels
from tasks.labelling.labelstudio import project_title, task_file
from tasks.labelling.labelstudio_api import LabelStudio
from tasks.ops.labelstudio_server import start_label_studio
from tests.processes import python, run
from tests.relabel_batch import NAMES, write_batch

pytestmark = pytest.mark.slow

TIMINGS: dict[str, float] = {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("labelstudio")
    write_batch(root, count=3)
    run("git", "init", "-q", cwd=root)
    python("-m", "dvc", "init", "-q", cwd=root)
    return root


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
    return python("-m", "flows.cli", "labels", *args, cwd=project, check=check)


def test_push_annotate_pull_lands_the_finished_labels_only(project, server):
    batch = project / "data/relabel/round-1"
    started = time.monotonic()
    pushed = cli(project, "push", "--round", "1").stdout
    TIMINGS["push_s"] = time.monotonic() - started
    assert "created project" in pushed and "3 tasks imported" in pushed, pushed
    client = LabelStudio(server.url, server.token)
    project_id = client.find_project(project_title(1))["id"]
    tasks = {task_file(t): t for t in client.tasks(project_id)}
    assert sorted(tasks) == sorted(p.name for p in (batch / "images").iterdir())
    for name, task in tasks.items():
        drafts = read_labels(batch / "labels" / f"{Path(name).stem}.txt")
        assert len(task["predictions"]) == 1 and len(task["predictions"][0]["result"]) == len(drafts) >= 2

    first, second, third = sorted(tasks)
    image = client.raw("GET", tasks[first]["data"]["image"])  # served from data/relabel by local-files
    assert image == (batch / "images" / first).read_bytes()
    assert "0 tasks imported" in cli(project, "push", "--round", "1").stdout  # pushing again adds nothing

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

    assert "2 tasks finished" in pulled.stdout and "1 tasks unfinished, not imported" in pulled.stdout
    assert third in pulled.stdout and "imported 2 label files into data/labels/round-1" in pulled.stdout
    landed = project / "data/labels/round-1"
    expected = [f"{Path(name).stem}.txt" for name in (first, second)]
    assert sorted(p.name for p in (landed / "labels").iterdir()) == expected
    changed = read_labels(landed / "labels" / f"{Path(first).stem}.txt")
    v = moved["value"]
    assert len(changed) == len(drafts) - 1 and changed[0].cls == 2
    assert changed[0].x == pytest.approx((v["x"] + v["width"] / 2) / 100, abs=2e-6)
    assert changed[0].y == pytest.approx((v["y"] + v["height"] / 2) / 100, abs=2e-6)
    accepted = landed / "labels" / f"{Path(second).stem}.txt"
    assert flat(accepted) == pytest.approx(flat(batch / "labels" / f"{Path(second).stem}.txt"), abs=2e-6)
    assert (project / "data/labels/round-1.dvc").exists(), "the new version is dvc-added"


def test_a_box_the_gate_refuses_imports_nothing(project, server):
    """A rotated box cannot be a YOLO box: the pull stops with the reason, and data/labels stays as it was."""
    client = LabelStudio(server.url, server.token)
    project_id = client.find_project(project_title(1))["id"]
    task = next(t for t in client.tasks(project_id) if not t["annotations"])
    rotated = json.loads(json.dumps(task["predictions"][0]["result"][0]))
    rotated["value"]["rotation"] = 30
    client.annotate(task["id"], [rotated])
    before = sorted(p.name for p in (project / "data/labels/round-1/labels").iterdir())
    failed = cli(project, "pull", "--round", "1", check=False)
    assert failed.returncode == 2 and "rotated by 30" in failed.stderr and "nothing was imported" in failed.stderr
    assert sorted(p.name for p in (project / "data/labels/round-1/labels").iterdir()) == before
