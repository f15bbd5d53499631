"""The zoo through the command line (issue 25): `yoloop zoo add` puts a real checkpoint in the zoo folder with its
card, `yoloop zoo list` shows it beside the registered versions and the Ultralytics weights on this machine, and
`yoloop check-params` takes `zoo:NAME`; what `zoo add` refuses, and an empty zoo, exit 2 naming why.

Each test has a project of its own (a copy of the session's trained project, whose train stage registered a version
of its weights), its MLflow store a file in it, its zoo folder (`project.zoo_dir`) and state folder (so Ultralytics'
weights folder) in the test's temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.core import Layout, details_file, read_model_card, write_json
from testkit.processes import python
from tests.projects import Project, new_project

STATE = "state"
ZOO = "zoo"


def yoloop(project: Project, tmp_path: Path, *args: str):
    env = {"YOLOOP_STATE_DIR": str(tmp_path / STATE), "MLFLOW_TRACKING_URI": project.tracking_uri}
    return python("-m", "cli", *args, cwd=project.root, check=False, timeout=300, env=env)


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def project(trained_project: Project, tmp_path: Path) -> Project:
    """A copy of the trained project whose zoo folder is the test's own."""
    copy = trained_project.copy_to(tmp_path / "project")
    copy.update_params({"project": {"zoo_dir": str(tmp_path / ZOO)}})
    return copy


def record_an_evaluation(project: Project, version: str, map50_95: float, patch: pytest.MonkeyPatch) -> None:
    """An evaluate run of `version` as the evaluate stage leaves it: its metrics, then `record_evaluation`'s tag."""
    from tasks.loop.loop_history import record_evaluation
    from tasks.tracking import log_metrics, stage_run

    project.enter(patch)
    params, layout = project.params(), Layout(project.root)
    write_json(details_file(layout.metrics, "evaluate"), {"model_version": version, "map50_95": map50_95})
    with stage_run(params.tracking, "evaluate", {"model": "train"}, layout):
        log_metrics({"test_map50_95": map50_95})
    record_evaluation(params.tracking, layout)


@pytest.mark.slow
def test_a_checkpoint_added_to_the_zoo_is_listed_beside_the_registered_version_and_starts_a_training(
    project, tmp_path, monkeypatch
):
    trained = read_model_card(project.root / "models/train")
    weights = project.root / "models/train/weights.pt"
    added = yoloop(project, tmp_path, "zoo", "add", "models/train/weights.pt", "--name", "parts-n")
    assert added.returncode == 0, added.stdout + added.stderr
    zoo = tmp_path / ZOO
    assert (zoo / "parts-n.pt").read_bytes() == weights.read_bytes()
    card = json.loads((zoo / "parts-n.json").read_text())
    assert card["names"] == trained.names and card["source"] == str(weights.resolve()), card

    assert trained.model_version, "the trained project registered its weights"
    record_an_evaluation(project, trained.model_version, 0.4321, monkeypatch)
    (tmp_path / STATE / "weights").mkdir(parents=True)
    (tmp_path / STATE / "weights" / "yolo11n.pt").write_bytes(b"put there by hand: listed, never loaded")
    listed = yoloop(project, tmp_path, "zoo", "list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    rows = {line.split()[0]: line.split("  ") for line in listed.stdout.splitlines() if line.strip()}
    classes = f"{len(trained.names)}: {', '.join(trained.names)}"
    zoo_row = [cell.strip() for cell in rows["zoo:parts-n"] if cell.strip()]
    assert zoo_row == ["zoo:parts-n", "zoo", classes, "-", "-", "-", str(weights.resolve())], listed.stdout
    params = project.params()
    spec = f"models:/{params.tracking.registered_model}/{trained.model_version}"
    registered = [cell.strip() for cell in rows[spec] if cell.strip()]
    imgsz = str(params.train.imgsz)
    assert registered == [spec, "registered", classes, "unversioned", "0.432", imgsz, "registry"], listed.stdout
    ultralytics = [cell.strip() for cell in rows["yolo11n.pt"] if cell.strip()]
    assert ultralytics[:6] == ["yolo11n.pt", "ultralytics", "-", "-", "-", "-"], listed.stdout
    assert ultralytics[6].endswith("/yolo11n.pt"), listed.stdout

    project.update_params({"train": {"model": "zoo:parts-n"}})
    checked = yoloop(project, tmp_path, "check-params")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"train.model: zoo:parts-n: found at {zoo}/parts-n.pt (card parts-n.json, " in checked.stdout
    assert checked.stdout.strip().endswith("params.yaml: valid"), checked.stdout


@pytest.mark.slow
def test_a_name_the_zoo_has_is_refused_without_replace(project, tmp_path):
    first = yoloop(project, tmp_path, "zoo", "add", "models/train/weights.pt", "--name", "parts-n", "--source", "one")
    assert first.returncode == 0, first.stdout + first.stderr
    again = yoloop(project, tmp_path, "zoo", "add", "models/train/weights.pt", "--name", "parts-n", "--source", "two")
    assert again.returncode == 2, again.stdout + again.stderr
    zoo = tmp_path / ZOO
    assert errors(again) == [
        f"error: {zoo}: zoo:parts-n is there already (parts-n.pt, parts-n.json); pass --replace to replace it, or "
        "choose another --name"
    ], again.stderr
    assert json.loads((zoo / "parts-n.json").read_text())["source"] == "one", "the card is as it was"
    replaced = yoloop(
        project, tmp_path, "zoo", "add", "models/train/weights.pt", "--name", "parts-n", "--source", "two", "--replace"
    )
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert json.loads((zoo / "parts-n.json").read_text())["source"] == "two"


def test_a_file_that_is_no_checkpoint_a_missing_file_and_a_bad_name_are_refused(tmp_path):
    project = new_project(tmp_path / "project", {"project": {"zoo_dir": str(tmp_path / ZOO)}})
    notes = project.root / "notes.pt"
    notes.write_text("not weights\n")
    text = yoloop(project, tmp_path, "zoo", "add", "notes.pt", "--name", "notes")
    assert text.returncode == 2, text.stdout + text.stderr
    (line,) = errors(text)
    assert line.startswith("error: notes.pt: not a readable weights file (") and line.endswith(
        "give a YOLO checkpoint (.pt) that Ultralytics trained or published"
    ), line
    missing = yoloop(project, tmp_path, "zoo", "add", "absent.pt", "--name", "absent")
    assert errors(missing) == [
        "error: absent.pt: no such file; give a YOLO checkpoint (.pt) that Ultralytics trained or published"
    ], missing.stderr
    bad = yoloop(project, tmp_path, "zoo", "add", "notes.pt", "--name", "../elsewhere")
    assert bad.returncode == 2 and errors(bad) == [
        "error: --name '../elsewhere': not a zoo name; use letters, digits, _ . - (starting with a letter or digit)"
    ], bad.stderr
    assert not (tmp_path / ZOO).exists(), "nothing was written"
    for result in (text, missing, bad):
        assert "Traceback" not in result.stderr


def test_an_empty_zoo_says_nothing_was_found_and_how_to_add_one(tmp_path):
    project = new_project(tmp_path / "project", {"project": {"zoo_dir": str(tmp_path / ZOO)}})
    result = yoloop(project, tmp_path, "zoo", "list")
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = errors(result)
    assert line.startswith("error: no start models found: no registered version in the MLflow store at "), line
    assert f"no .pt in the zoo {tmp_path / ZOO} (project.zoo_dir)" in line, line
    assert f"no Ultralytics weights in {tmp_path / STATE}/weights" in line, line
    assert "`yoloop zoo add FILE --name NAME`" in line, line
    assert result.stdout == "", "no empty table"
