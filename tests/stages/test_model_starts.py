"""Start models through the command line (issue 25): `yoloop check-params` on each kind of `train.model` and
`transfer.from`, and a train stage whose `.pt` is missing, each as a user runs it (a subprocess).

Each test has a project of its own, its MLflow store a file in it and its state folder (so Ultralytics' weights
folder) in the test's temporary folder; `project.downloads` stays `never`, and no test reaches the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.processes import python
from tests.projects import Project, new_project

STATE = "state"  # YOLOOP_STATE_DIR, under the test's folder: Ultralytics' weights folder is <state>/weights


def check_params(project: Project, state: Path):
    env = {"YOLOOP_STATE_DIR": str(state), "MLFLOW_TRACKING_URI": project.tracking_uri}
    return python("-m", "cli", "check-params", cwd=project.root, check=False, timeout=300, env=env)


def starts(train_model: str, transfer_from: str, **project: str) -> dict:
    return {"train": {"model": train_model}, "transfer": {"from": transfer_from}, "project": project}


def test_a_missing_local_file_and_a_registered_model_that_does_not_exist_are_named(tmp_path):
    project = new_project(tmp_path / "project", starts("weights/missing.pt", "models:/nobody@champion"))
    result = check_params(project, tmp_path / STATE)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert lines == [
        f"error: params.yaml: train.model: weights/missing.pt: no such weights file (looked for "
        f"{project.root}/weights/missing.pt); put the .pt there, or a model yaml (such as yolov8n.yaml) trains from "
        "scratch",
        f"error: params.yaml: transfer.from: models:/nobody@champion: not in the registry at {project.tracking_uri} "
        "(Registered Model with name=nobody not found)",
    ], result.stderr
    assert "Traceback" not in result.stderr


def test_an_ultralytics_name_with_downloads_forbidden_says_where_to_put_the_file(tmp_path):
    project = new_project(tmp_path / "project", starts("yolo11n.pt", "train", downloads="never"))
    state = tmp_path / STATE
    result = check_params(project, state)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: params.yaml: train.model: yolo11n.pt: not on this machine"), line
    assert f"put yolo11n.pt at {state}/weights/yolo11n.pt (Ultralytics' weights folder)" in line, line
    assert "project.downloads is never" in line and "set project.downloads: named" in line, line
    assert not list(state.rglob("*.pt")) and not (project.root / "yolo11n.pt").exists(), "nothing was fetched"


def test_an_ultralytics_name_in_the_weights_folder_and_a_zoo_entry_are_found(tmp_path):
    state, zoo = tmp_path / STATE, tmp_path / "zoo"
    (state / "weights").mkdir(parents=True)
    (state / "weights" / "yolo11n.pt").write_bytes(b"weights put there by hand")  # check-params looks, loads nothing
    zoo.mkdir()
    (zoo / "parts-n.pt").write_bytes(b"weights of the team's zoo")
    (zoo / "parts-n.json").write_text('{"names": ["bolt", "nut"], "source": "our 2025 run"}')
    project = new_project(tmp_path / "project", starts("yolo11n.pt", "zoo:parts-n", zoo_dir=str(zoo)))
    result = check_params(project, state)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"train.model: yolo11n.pt: found at {state}/weights/yolo11n.pt" in result.stdout
    assert f"transfer.from: zoo:parts-n: found at {zoo}/parts-n.pt (card parts-n.json, 2 classes)" in result.stdout
    assert result.stdout.strip().endswith("params.yaml: valid")


def test_a_missing_zoo_entry_says_where_to_put_it(tmp_path):
    zoo = tmp_path / "zoo"
    project = new_project(tmp_path / "project", starts("yolov8n.yaml", "zoo:absent", zoo_dir=str(zoo)))
    result = check_params(project, tmp_path / STATE)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        f"error: params.yaml: transfer.from: zoo:absent: no zoo entry {zoo}/absent.pt; put the weights there with "
        "their card absent.json (project.zoo_dir)"
    ) in result.stderr.splitlines(), result.stderr


def test_a_registered_version_is_found_in_the_registry(tmp_path, monkeypatch):
    project = new_project(tmp_path / "project", starts("models:/source-model/1", "models:/source-model@champion"))
    project.enter(monkeypatch).register_champion("source-model", ["ring", "cross"])
    result = check_params(project, tmp_path / STATE)
    assert result.returncode == 0, result.stdout + result.stderr
    registry = f"in the registry at {project.tracking_uri}"
    assert f"train.model: models:/source-model/1: version 1 of source-model {registry}" in result.stdout
    assert f"transfer.from: models:/source-model@champion: version 1 of source-model {registry}" in result.stdout


@pytest.mark.slow
def test_a_train_stage_whose_pt_is_missing_stops_with_one_line_and_no_traceback(tmp_path):
    project = new_project(tmp_path / "project", {"train": {"model": "weights/gone.pt"}})
    env = {"YOLOOP_STATE_DIR": str(tmp_path / STATE), "MLFLOW_TRACKING_URI": project.tracking_uri}
    result = python("-m", "flows.train", cwd=project.root, check=False, timeout=600, env=env)
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: params.yaml: train.model: weights/gone.pt: no such weights file (looked for "
        f"{project.root}/weights/gone.pt); put the .pt there, or a model yaml (such as yolov8n.yaml) trains from "
        "scratch"
    ], result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "AwaitingRetry" not in result.stdout + result.stderr, "bad input is not retried"
    assert not (project.root / "models").exists() and not (tmp_path / STATE / "runs").exists(), "nothing trained"
