"""`yoloop architectures` on tiny data: two real model yamls trained, scored and timed, one table and plot."""

from __future__ import annotations

import json

import pytest

from flows.architectures import architectures_flow
from flows.prepare import prepare_flow
from tasks.studies.architectures import pareto_front

pytestmark = pytest.mark.slow


def test_two_architectures_give_a_table_and_a_plot(make_project, prefect_harness):
    overrides = {"architectures": {"models": ["yolov8n.yaml", "yolo11n.yaml"], "epochs": 1, "data": "all"}}
    project = make_project(overrides, {"evaluate": {"speed_images": 4}})
    prepare_flow(project.params(), project.root)
    rows = architectures_flow(project.params(), project.root)
    reports = project.root / "reports/architectures"
    table = json.loads((reports / "table.json").read_text())
    assert [r["model"] for r in table["rows"]] == ["yolov8n.yaml", "yolo11n.yaml"] == [r["model"] for r in rows]
    assert table["data"] == "all" and table["classes"] == ["ring", "cross", "star"]
    by_model = {r["model"]: r for r in table["rows"]}
    assert by_model["yolov8n.yaml"]["parameters"] != by_model["yolo11n.yaml"]["parameters"], "two real architectures"
    for row in table["rows"]:
        assert row["epochs"] == 1 and row["latency_ms"] > 0 and row["map50"] >= row["map50_95"]
    assert set(table["pareto_front"]) == pareto_front(table["rows"]), "the front is computed from the rows"
    assert "| yolo11n.yaml" in (reports / "table.md").read_text()
    assert (reports / "speed_accuracy.png").stat().st_size > 1000
