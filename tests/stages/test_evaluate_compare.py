"""evaluate with the real Ultralytics, ONNX Runtime and MLflow: every field, then a second model against the first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.evaluate import evaluate_flow
from flows.prepare import prepare_flow
from flows.train import train_flow
from tests.projects import Project, new_project
from tests.stages.scores import assert_summary_is_the_mean_of_its_classes

pytestmark = pytest.mark.slow

# The train stage on every class, evaluated directly (the default pipeline evaluates the transfer stage).
EVALUATE = {
    "train": {"data": "all"},
    "evaluate": {"model": "train", "speed_batch": 4, "speed_images": 6, "bootstrap": 50},
}
# The second model must clear an impossible gain: it cannot be promoted, whatever the tiny models score.
STRICT = {"evaluate": {"promotion": {"min_gain": 0.5}}}
FIRST = {"tracking": {"registered_model": "evaluate-test"}}


@pytest.fixture(scope="module")
def project(tmp_path_factory, prefect_harness) -> Project:
    """Two models trained and evaluated in turn, in a project (and MLflow store) of their own."""
    project = new_project(tmp_path_factory.mktemp("evaluate") / "project", EVALUATE, FIRST)
    project.write_params(EVALUATE, FIRST, STRICT, name="strict.yaml")
    root = project.root
    project.run(prepare_flow, train_flow, evaluate_flow)
    (root / "first").mkdir()
    for name in ("metrics/evaluate_details.json", "metrics/evaluate_images.json", "reports/evaluate/decision.json"):
        (root / "first" / Path(name).name).write_text((root / name).read_text())
    project.run(train_flow)
    project.run(evaluate_flow, params="strict.yaml")
    return project


def test_first_evaluation_has_every_field(project):
    result = json.loads((project.root / "first/evaluate_details.json").read_text())
    assert set(result["per_class"]) == {"ring", "cross", "star"}
    assert_summary_is_the_mean_of_its_classes(result)
    matrix = result["confusion_matrix"]
    assert matrix["labels"] == ["ring", "cross", "star", "background"]
    assert len(matrix["rows_predicted_columns_true"]) == 4 and all(
        len(r) == 4 for r in matrix["rows_predicted_columns_true"]
    )
    assert sum(row[c] for row in matrix["rows_predicted_columns_true"] for c in range(3)) == result["instances"]
    assert set(result["speed"]["batch"]) == {"1", "4"}
    for timing in result["speed"]["batch"].values():
        assert timing["inference"] > 0 and timing["total"] >= timing["inference"]
    assert result["size"]["parameters"] > 1_000_000 and result["size"]["gflops"] > 0
    assert result["size"]["file_bytes"] > 1_000_000
    onnx = result["export"]["variants"]["onnx"]
    assert onnx["map50_95_cost"] == pytest.approx(onnx["map50_95"] - result["map50_95"])
    assert onnx["file_bytes"] > 1_000_000
    int8 = result["export"]["variants"]["onnx_int8"]
    assert int8["precision"] == "int8" and int8["file_bytes"] < onnx["file_bytes"] / 2, "int8 weights are a quarter"
    assert not list((project.root / "models").rglob("*.onnx")), "the export must not write into a DVC output"


def _cuda_here() -> bool:
    """What `device: auto` must pick on this machine: the first CUDA device when torch sees one."""
    import torch

    return torch.cuda.is_available()


@pytest.mark.device
def test_speed_and_exports_are_those_of_the_device_it_ran_on(project):
    """FP16 is exported and scored where a CUDA device is used, and skipped with its reason on a CPU; the speed
    figures and each export's scoring say which device gave them (issue 23: the suite passes on both machines)."""
    import onnxruntime

    result = json.loads((project.root / "first/evaluate_details.json").read_text())
    ran_on = result["speed"]["device"]
    assert ran_on == ("0" if _cuda_here() else "cpu"), "device: auto is the first CUDA device, else the CPU"
    export = result["export"]
    if ran_on == "cpu":
        assert set(export["skipped"]) == {"onnx_half"} and "onnx_half" not in export["variants"]
        assert "CUDA" in export["skipped"]["onnx_half"] and "uses cpu" in export["skipped"]["onnx_half"]
    else:
        assert export["skipped"] == {}, "on CUDA every variant is built"
        half, onnx = export["variants"]["onnx_half"], export["variants"]["onnx"]
        assert half["precision"] == "fp16" and half["file_bytes"] < 0.75 * onnx["file_bytes"], "FP16 weights are half"
        assert half["map50_95_cost"] == pytest.approx(half["map50_95"] - result["map50_95"])
        assert half["map50_cost"] == pytest.approx(half["map50"] - result["map50"])
        assert half["val_s"] > 0 and half["speed_ms"]["inference"] > 0
    cuda_provider = ran_on != "cpu" and "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    for name, row in export["variants"].items():
        assert row["scored_on"]["device"] == (ran_on if cuda_provider else "cpu"), name
        assert row["scored_on"]["provider"] == ("CUDAExecutionProvider" if cuda_provider else "CPUExecutionProvider")
        if ran_on != "cpu" and not cuda_provider:  # the CPU build of ONNX Runtime on a GPU machine says so
            assert "no CUDA provider" in row["scored_on"]["why"], name


def test_per_image_counts_add_up(project):
    table = json.loads((project.root / "first/evaluate_images.json").read_text())
    result = json.loads((project.root / "first/evaluate_details.json").read_text())
    assert len(table["images"]) == result["images"] == 6
    for key in ("tp", "fp", "fn"):
        assert table["totals"][key] == sum(row[key] for row in table["images"].values())
    assert table["totals"]["tp"] + table["totals"]["fn"] == result["instances"]
    assert result["operating_point"]["conf"] == table["conf"] == 0.25


def test_first_model_became_champion(project):
    decision = json.loads((project.root / "first/decision.json").read_text())
    assert decision["promote"] and decision["first_model"]
    assert decision["registry"] == {"champion_before": None, "champion_after": "1", "changed": True, "version": "1"}


def test_second_model_is_compared_and_not_promoted(project):
    comparison = json.loads((project.root / "metrics/compare.json").read_text())
    assert (comparison["old_version"], comparison["new_version"]) == ("1", "2")
    interval = comparison["interval"]
    assert interval["low"] <= interval["high"] and interval["resamples"] == 50
    # every class has test boxes in the tiny profile, so the comparison covers each one
    assert comparison["latency_ratio"] > 0 and set(comparison["per_class"]) == {"ring", "cross", "star"}
    decision = json.loads((project.root / "reports/evaluate/decision.json").read_text())
    assert decision["promote"] is False
    assert not next(c for c in decision["checks"] if c["name"] == "gain")["passed"]
    assert decision["registry"]["changed"] is False

    client = project.mlflow()
    aliases = {a: str(v) for a, v in client.get_registered_model("evaluate-test").aliases.items()}
    assert aliases == {"champion": "1", "challenger": "2"}
    runs = client.search_runs([client.get_experiment_by_name("yoloop").experiment_id], "tags.yoloop.stage = 'evaluate'")
    latest = max(runs, key=lambda r: r.info.start_time)
    assert latest.data.tags["yoloop.decision"] == "keep champion"
    assert latest.data.tags["yoloop.registry_changed"] == "false"
    assert "map50_95_gain_ci_low" in latest.data.metrics


def test_report_answers_the_question(project):
    report = (project.root / "reports/evaluate/report.md").read_text()
    assert "NOT promoted" in report and "Registry unchanged" in report
    assert "Against production (champion, version 1)" in report
    assert "bootstrap interval over test images" in report and "Relative error reduction" in report
    assert "ms/image" in report and "onnx_int8: mAP50-95" in report


@pytest.mark.device
def test_report_says_what_was_exported_on_this_device(project):
    report = (project.root / "reports/evaluate/report.md").read_text()
    if _cuda_here():
        assert "onnx_half: mAP50-95" in report and "onnx_half: skipped" not in report
    else:
        assert "onnx_half: skipped, FP16 ONNX is a GPU format" in report and "this run uses cpu" in report
    assert "scored by ONNX Runtime on " in report
