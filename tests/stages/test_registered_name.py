"""The registered model's name: renaming it retrains nothing, and a champion of other classes stops training early.

Each test has an MLflow store of its own (other modules count runs and versions).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.cli import main as cli
from flows.evaluate import evaluate_flow
from flows.prepare import prepare_flow
from flows.train import train_flow
from tasks.core.errors import InputError
from tasks.core.params import load_params
from tasks.core.paths import Layout
from tasks.core.prepared import PreparedDataset, write_card
from tasks.prepare.builtin import generate_builtin
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow

# The train stage on every class, evaluated directly, without the exports (they are tested elsewhere).
EVALUATE = {
    "train": {"data": "all"},
    "evaluate": {"model": "train", "speed_batch": 2, "speed_images": 2, "bootstrap": 20, "export": {"onnx": False}},
}


def client():
    from mlflow import MlflowClient

    from tasks.ops.tracking import tracking_uri

    return MlflowClient(tracking_uri())


@pytest.fixture
def own_store(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    return tmp_path


def register_champion(name: str, names: list[str], folder: Path) -> str:
    """A version of `name` that knows `names` (its weights are a placeholder: only its MLmodel is read), as champion."""
    from tasks.core.schema import TrackingParams
    from tasks.ops import tracking

    weights = folder / "placeholder.pt"
    weights.write_bytes(b"not read")
    params = TrackingParams(registered_model=name)
    with tracking.stage_run(params, "register", {}, Layout(folder)):
        version = tracking.register_weights(weights, params, names)
    client().set_registered_model_alias(name, "champion", version)
    return version


def test_a_champion_of_other_classes_stops_check_params_and_training_before_any_work(
    own_store, prefect_harness, capsys
):
    root = own_store
    params_file = write_params(root / "params.yaml", TINY, {"tracking": {"registered_model": "fruit-detector"}})
    params = load_params(params_file)
    register_champion("fruit-detector", ["apple", "pear"], root)
    with pytest.raises(SystemExit) as stopped:
        cli(["check-params", "--params", str(params_file)])
    assert stopped.value.code == 2
    assert "tracking.registered_model: the champion of 'fruit-detector' (version 1)" in capsys.readouterr().err
    section = params.prepare
    generate_builtin(section.builtin, section.classes, section.seed, root / "data/prepared", root / "p", root / "o")
    write_card(PreparedDataset(root / "data/prepared", section.classes.base, section.classes.new), {})
    with pytest.raises(InputError, match="tracking.registered_model: the champion of 'fruit-detector'"):
        train_flow(params, root)
    assert not (root / "models").exists() and not (root / "metrics").exists(), "nothing trained, nothing published"
    register_champion("fruit-detector", ["pear", "ring"], root)  # one shared class: comparable
    cli_code = pytest.raises(SystemExit, cli, ["check-params", "--params", str(params_file)]).value.code
    assert cli_code == 0 and "valid" in capsys.readouterr().out


@pytest.fixture(scope="module")
def renamed(tmp_path_factory, prefect_harness) -> dict:
    """Trained and registered as `first-name`; then evaluated twice with `tracking.registered_model: second-name`."""
    root = tmp_path_factory.mktemp("renamed")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    first = load_params(
        write_params(root / "first.yaml", TINY, EVALUATE, {"tracking": {"registered_model": "first-name"}})
    )
    second = load_params(
        write_params(root / "second.yaml", TINY, EVALUATE, {"tracking": {"registered_model": "second-name"}})
    )
    try:
        prepare_flow(first, root)
        train_flow(first, root)
        client().create_registered_model("second-name")
        client().create_model_version("second-name", source="file:///nowhere/model")  # so the copy is version 2
        outcomes = [evaluate_flow(second, root) for _ in range(2)]
        yield {"root": root, "outcomes": outcomes}
    finally:
        os.environ.pop("MLFLOW_TRACKING_URI", None)


def test_the_card_says_where_the_model_was_registered(renamed):
    card = json.loads((renamed["root"] / "models/train/card.json").read_text())
    assert (card["registered_model"], card["model_version"]) == ("first-name", "1")


def test_evaluate_registers_the_same_weights_under_the_new_name_and_judges_that_version(renamed):
    first = renamed["outcomes"][0]
    assert first["model_version"] == "2"
    assert first["registry"] == {"champion_before": None, "champion_after": "2", "changed": True, "version": "2"}
    copy = client().get_model_version("second-name", "2")
    assert copy.tags["yoloop.registered_from"] == "first-name/1"
    assert copy.tags["yoloop.stage"] == "train" and copy.tags["transfers_since_scratch"] == "0"
    assert client().get_run(copy.run_id).info.run_name == "register"
    assert client().get_registered_model("first-name").aliases == {}, "the old name's aliases stay as they were"
    decision = json.loads((renamed["root"] / "reports/evaluate/decision.json").read_text())
    assert decision["registry"]["version"] == "2"


def test_a_second_evaluation_finds_the_copy_instead_of_registering_again(renamed):
    again = renamed["outcomes"][1]
    versions = client().search_model_versions("name='second-name'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    assert again["model_version"] == "2" and again["decision"]["reasons"] == ["version 2 already holds champion"]
    assert again["registry"]["changed"] is False
