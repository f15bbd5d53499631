"""The registered model's name: renaming it retrains nothing, and a champion of other classes stops training early.

Each test has a project and an MLflow store of its own (other modules count runs and versions).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from flows.evaluate import evaluate_flow
from flows.prepare import prepare_flow
from flows.train import train_flow
from tasks.core import InputError, Layout, PreparedDataset, write_card
from tasks.prepare import generate_builtin
from tests.projects import new_project

pytestmark = pytest.mark.slow

# The train stage on every class, evaluated directly, without the exports (they are tested elsewhere).
EVALUATE = {
    "train": {"data": "all"},
    "evaluate": {"model": "train", "speed_batch": 2, "speed_images": 2, "bootstrap": 20, "export": {"onnx": False}},
}


def test_a_champion_of_other_classes_stops_check_params_and_training_before_any_epoch_is_kept(
    make_project, prefect_harness
):
    project = make_project({"tracking": {"registered_model": "fruit-detector"}})
    root, params_file, params = project.root, project.params_file, project.params()
    project.register_champion("fruit-detector", ["apple", "pear"])
    stopped = CliRunner().invoke(app, ["check-params", "--params", str(params_file)])
    assert stopped.exit_code == 2
    assert "tracking.registered_model: the champion of 'fruit-detector' (version 1)" in stopped.stderr
    section = params.prepare
    generate_builtin(section.builtin, section.classes, section.seed, root / "data/prepared", root / "p", root / "o")
    write_card(PreparedDataset(root / "data/prepared", section.classes.base, section.classes.new), {})
    with pytest.raises(InputError, match="tracking.registered_model: the champion of 'fruit-detector'"):
        train_flow(params, root)
    assert not (root / "models").exists() and not (root / "metrics").exists(), "nothing trained, nothing published"
    assert not list(Layout(root).runs.rglob("*.pt")), "stopped within the first epoch: no checkpoint kept"
    experiments = [e.experiment_id for e in project.mlflow().search_experiments()]
    assert not project.mlflow().search_runs(experiments, "tags.`yoloop.stage` = 'train'"), "no run of a stage stopped"
    project.register_champion("fruit-detector", ["pear", "ring"])  # one shared class: comparable
    checked = CliRunner().invoke(app, ["check-params", "--params", str(params_file)])
    assert checked.exit_code == 0 and "valid" in checked.stdout


@pytest.fixture(scope="module")
def renamed(tmp_path_factory, prefect_harness) -> dict:
    """Trained and registered as `first-name`; then evaluated twice with `tracking.registered_model: second-name`."""
    project = new_project(tmp_path_factory.mktemp("renamed") / "project", EVALUATE)
    project.write_params(EVALUATE, {"tracking": {"registered_model": "first-name"}}, name="first.yaml")
    project.write_params(EVALUATE, {"tracking": {"registered_model": "second-name"}}, name="second.yaml")
    first, second, root = project.params("first.yaml"), project.params("second.yaml"), project.root
    with project.active():
        prepare_flow(first, root)
        train_flow(first, root)
        client = project.mlflow()
        client.create_registered_model("second-name")
        client.create_model_version("second-name", source="file:///nowhere/model")  # so the copy is version 2
        outcomes = [evaluate_flow(second, root) for _ in range(2)]
    return {"project": project, "outcomes": outcomes}


def test_the_card_says_where_the_model_was_registered(renamed):
    card = json.loads((renamed["project"].root / "models/train/card.json").read_text())
    assert (card["registered_model"], card["model_version"]) == ("first-name", "1")


def test_evaluate_registers_the_same_weights_under_the_new_name_and_judges_that_version(renamed):
    first, client = renamed["outcomes"][0], renamed["project"].mlflow()
    assert first["model_version"] == "2"
    assert first["registry"] == {"champion_before": None, "champion_after": "2", "changed": True, "version": "2"}
    copy = client.get_model_version("second-name", "2")
    assert copy.tags["yoloop.registered_from"] == "first-name/1"
    assert copy.tags["yoloop.stage"] == "train" and copy.tags["transfers_since_scratch"] == "0"
    assert client.get_run(copy.run_id).info.run_name == "register"
    assert client.get_registered_model("first-name").aliases == {}, "the old name's aliases stay as they were"
    decision = json.loads((renamed["project"].root / "reports/evaluate/decision.json").read_text())
    assert decision["registry"]["version"] == "2"


def test_a_second_evaluation_finds_the_copy_instead_of_registering_again(renamed):
    again = renamed["outcomes"][1]
    versions = renamed["project"].mlflow().search_model_versions("name='second-name'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    assert again["model_version"] == "2" and again["decision"]["reasons"] == ["version 2 already holds champion"]
    assert again["registry"]["changed"] is False
