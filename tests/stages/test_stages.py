"""prepare -> train -> transfer -> evaluate with the real Ultralytics, MLflow and Prefect, on tiny settings."""

from __future__ import annotations

import json

import pytest

from flows.evaluate import evaluate_flow
from flows.transfer import transfer_flow
from tasks.core import details_file, load_params
from tasks.core.headline import HEADLINE_KEYS
from testkit.profiles import TINY
from tests.metrics_table import assert_fits, dvc_table, dvc_view
from tests.projects import Project
from tests.stages.scores import assert_summary_is_the_mean_of_its_classes

pytestmark = pytest.mark.slow
# From a model one transfer away, retrain_every 1 means scratch, with the train section's epochs.
RETRAIN = {"transfer": {"from": "transfer", "retrain_every": 1, "epochs": 2}}


@pytest.fixture(scope="module")
def project(tmp_path_factory, trained_project) -> Project:
    """The session's trained project (prepare, train with two epochs), copied; then transfer and evaluate."""
    project = trained_project.copy_to(tmp_path_factory.mktemp("stages") / "project")
    project.run(transfer_flow, evaluate_flow)
    return project


def test_prepare_writes_dataset_card_and_stats(project):
    card = json.loads((project.root / "data/prepared/dataset.json").read_text())
    assert card["classes"] == {"base": ["ring", "cross"], "new": ["star"]}
    stats = json.loads((project.root / "metrics/prepare.json").read_text())
    assert stats["images"]["test"] == TINY["prepare"]["builtin"]["images"]["test"]
    assert not list(project.root.glob("data/**/*.cache")), "nothing may write caches into versioned data"


def test_train_publishes_weights_and_card(project):
    card = json.loads((project.root / "models/train/card.json").read_text())
    assert card["names"] == ["ring", "cross"] and card["data"] == "base"
    assert (project.root / "models/train/weights.pt").stat().st_size > 1_000_000
    metrics = json.loads((project.root / "metrics/train_details.json").read_text())
    assert metrics["epochs"] == 2
    assert metrics["images_seen"] == 2 * 12
    assert (project.root / "reports/train/results.csv").read_text().count("\n") == 3
    pictures = sorted(p.name for p in (project.root / "reports/train/batches").iterdir())
    assert pictures[0] == "train_batch0.jpg", pictures  # what the model is shown, as augmented
    assert (project.root / "reports/train/batches/train_batch0.jpg").read_bytes()[:2] == b"\xff\xd8"  # a JPEG


def test_transfer_widens_the_head_and_publishes(project):
    card = json.loads((project.root / "models/transfer/card.json").read_text())
    assert card["names"] == ["ring", "cross", "star"] and card["data"] == "all"
    assert card["carried_classes"] == ["ring", "cross"] and card["transfers_since_scratch"] == 1
    assert card["from"] == "stage train" and card["strategy"] == "full" and card["frozen_layers"] == []
    metrics = json.loads((project.root / "metrics/transfer_details.json").read_text())
    assert metrics["epochs"] == 1 and metrics["images_seen"] == 12 + 6
    assert (project.root / "reports/transfer/results.csv").exists()


def test_evaluate_reports_every_field(project):
    result = json.loads((project.root / "metrics/evaluate_details.json").read_text())
    assert set(result["per_class"]) == {"ring", "cross", "star"}
    assert_summary_is_the_mean_of_its_classes(result)
    assert sum(c["instances"] for c in result["per_class"].values()) == result["instances"] > 0
    assert result["images"] == TINY["prepare"]["builtin"]["images"]["test"]
    assert result["speed_ms"]["inference"] > 0
    assert (project.root / "reports/evaluate/BoxPR_curve.png").exists()
    assert (project.root / "reports/evaluate/confusion_matrix.png").exists()
    pr_curve = (project.root / "reports/evaluate/pr_curve.csv").read_text().splitlines()
    assert pr_curve[0] == "recall,precision,precision_ring,precision_cross,precision_star" and len(pr_curve) == 101
    for row in pr_curve[1:]:  # precision: the mean of the classes' precision at that recall
        recall, mean, *per_class = map(float, row.split(","))
        assert 0 <= recall <= 1 and mean == pytest.approx(sum(per_class) / 3, abs=1e-4), row
    forgetting = result["forgetting"]
    assert forgetting["reference"] == "train" and forgetting["old_classes"] == ["ring", "cross"]
    # No flag is a fair outcome for a tiny model; each flag there is must match this evaluation's figures.
    tolerance = project.params().forgetting.tolerance
    names = [flag["name"] for flag in forgetting["flags"]]
    assert len(names) == len(set(names)) and set(names) <= {"ring", "cross"}, names
    for flag in forgetting["flags"]:
        after = result["per_class"][flag["name"]]["ap50_95"]
        assert flag["after"] == pytest.approx(after) and flag["drop"] == pytest.approx(flag["before"] - after)
        assert flag["drop"] > tolerance, flag


def test_mlflow_has_one_run_per_stage_and_a_model_version(project):
    client = project.mlflow()
    experiment = client.get_experiment_by_name("yoloop")
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert set(runs) == {"train", "transfer", "evaluate"}, "Ultralytics' own MLflow callback must not add a run"
    assert {e.name for e in client.search_experiments()} <= {"yoloop", "Default"}
    train = runs["train"]
    history = client.get_metric_history(train.info.run_id, "metrics/mAP50-95_B")
    assert sorted(m.step for m in history) == [0, 1, 2], "one value per epoch, then the best weights' at step 2"
    assert train.data.params["train.epochs"] == "2"
    assert train.data.tags["git_commit"] and train.data.tags["dvc_data_hash"]
    assert "test_map50_95" in runs["evaluate"].data.metrics
    card = json.loads((project.root / "models/train/card.json").read_text())
    version = client.get_model_version("yoloop-detector", card["model_version"])
    assert version.run_id == train.info.run_id
    transfer_card = json.loads((project.root / "models/transfer/card.json").read_text())
    transferred = client.get_model_version("yoloop-detector", transfer_card["model_version"])
    assert transferred.run_id == runs["transfer"].info.run_id
    assert transferred.tags["transfers_since_scratch"] == "1" and version.tags["transfers_since_scratch"] == "0"
    assert runs["transfer"].data.params["transfer.from"] == "train"
    assert not (project.root / "mlruns").exists()


def test_registered_model_loads_and_predicts(project, monkeypatch):
    import mlflow
    import pandas as pd

    card = json.loads((project.root / "models/train/card.json").read_text())
    project.enter(monkeypatch)  # the registry of `models:/` is MLflow's current store
    model = mlflow.pyfunc.load_model(f"models:/yoloop-detector/{card['model_version']}")
    image = next((project.root / "data/prepared/test/images").glob("*.jpg"))
    result = model.predict(pd.DataFrame({"image": [str(image)]}), params={"conf": 0.0001})
    assert list(result.columns) == ["image", "class", "confidence", "x0", "y0", "x1", "y1"]


def test_transfer_can_start_from_a_registry_alias_or_version(project, tmp_path, monkeypatch):
    from ultralytics.nn.tasks import load_checkpoint

    from tasks.core import Layout
    from tasks.train import resolve_source

    project.enter(monkeypatch)  # the registry is the current store
    train_card = json.loads((project.root / "models/train/card.json").read_text())
    transfer_card = json.loads((project.root / "models/transfer/card.json").read_text())
    project.mlflow().set_registered_model_alias("yoloop-detector", "champion", train_card["model_version"])
    champion = resolve_source("models:/yoloop-detector@champion", Layout(project.root), tmp_path / "a")
    assert champion.transfers_since_scratch == 0
    assert list(load_checkpoint(champion.weights)[0].names.values()) == ["ring", "cross"]
    version = resolve_source(
        f"models:/yoloop-detector/{transfer_card['model_version']}", Layout(project.root), tmp_path / "b"
    )
    assert version.transfers_since_scratch == 1
    assert list(load_checkpoint(version.weights)[0].names.values()) == ["ring", "cross", "star"]


def test_transfer_retrains_from_scratch_after_retrain_every_transfers(project, tmp_path, monkeypatch):
    """From a model 1 transfer away, retrain_every 1 means scratch; in a copy, since it replaces models/transfer."""
    copy = project.copy_to(tmp_path / "project").enter(monkeypatch)
    transfer_flow(load_params(copy.write_params(RETRAIN)), copy.root)
    card = json.loads((copy.root / "models/transfer/card.json").read_text())
    assert card["plan"] == "retrain" and card["start"] == "yolov8n.yaml" and card["transfers_since_scratch"] == 0
    assert card["carried_classes"] == [] and card["names"] == ["ring", "cross", "star"]
    assert json.loads((copy.root / "metrics/transfer_details.json").read_text())["epochs"] == TINY["train"]["epochs"], (
        "train epochs (TINY: 1), not transfer epochs (2)"
    )


def test_metrics_files_hold_the_headline_only(project):
    """metrics/<stage>.json: the headline keys, rounded from the details (metrics/<stage>_details.json)."""
    metrics = project.root / "metrics"
    headlines = {stage: json.loads((metrics / f"{stage}.json").read_text()) for stage in HEADLINE_KEYS}
    for stage, keys in HEADLINE_KEYS.items():
        assert set(headlines[stage]) == set(keys), f"metrics/{stage}.json grew beyond its headline keys"
    for stage in ("train", "transfer"):
        details = json.loads(details_file(metrics, stage).read_text())
        assert headlines[stage]["mAP50-95"] == round(details["metrics/mAP50-95_B"], 3)
        assert headlines[stage]["R"] == round(details["metrics/recall_B"], 3)
    details, evaluated = json.loads(details_file(metrics, "evaluate").read_text()), headlines["evaluate"]
    assert evaluated["AP"] == {name: round(row["ap50_95"], 3) for name, row in details["per_class"].items()}
    assert (evaluated["mAP50"], evaluated["P"]) == (round(details["map50"], 3), round(details["precision"], 3))
    assert evaluated["ms"] == round(details["speed"]["batch"]["1"]["total"], 1)
    assert evaluated["MB"] == round(details["size"]["file_bytes"] / 1e6, 1)
    assert json.loads((project.root / "reports/evaluate/decision.json").read_text())["first_model"]
    assert evaluated["decision"] == "promoted", "no champion before: the evaluated model becomes it"


def test_dvc_shows_the_metrics_in_120_columns_and_draws_the_curves(project, tmp_path):
    view = dvc_view(project.root, tmp_path / "view")
    table = dvc_table(view, "metrics", "show")
    assert_fits(table)
    paths = {line.split()[0] for line in table.splitlines()[1:]}
    assert paths == {"metrics/train.json", "metrics/transfer.json", "metrics/evaluate.json"}, table
    shown = json.loads(dvc_table(view, "plots", "show", "--json"))
    assert not shown.get("errors"), shown.get("errors")
    rows = shown["data"]["validation mAP by epoch"][0]["content"]["data"]["values"]
    lines = {row["filename::field"] for row in rows}
    assert lines == {f"{s}/results.csv::metrics/{m}(B)" for s in ("train", "transfer") for m in ("mAP50", "mAP50-95")}
    assert len(rows) == 2 * 2 + 2 * 1, "one point per epoch on each line: train 2 epochs, transfer 1"
    pr_curve = shown["data"]["reports/evaluate/pr_curve.csv"][0]["content"]["data"]["values"]
    assert len(pr_curve) == 100 and {"recall", "precision"} <= set(pr_curve[0])
