"""`yoloop architectures` on tiny data: two real model yamls trained, scored and timed, one table and plot."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.architectures import architectures_flow
from flows.prepare import prepare_flow
from tasks.core.params import load_params
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow


def test_two_architectures_give_a_table_and_a_plot(tmp_path, prefect_harness):
    overrides = {"architectures": {"models": ["yolov8n.yaml", "yolo11n.yaml"], "epochs": 1, "data": "all"}}
    params = load_params(write_params(tmp_path / "params.yaml", TINY, overrides, {"evaluate": {"speed_images": 4}}))
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        prepare_flow(params, tmp_path)
        rows = architectures_flow(params, tmp_path)
    finally:
        os.chdir(previous)
    table = json.loads((tmp_path / "reports/architectures/table.json").read_text())
    assert [r["model"] for r in table["rows"]] == ["yolov8n.yaml", "yolo11n.yaml"] == [r["model"] for r in rows]
    assert table["data"] == "all" and table["classes"] == ["ring", "cross", "star"]
    by_model = {r["model"]: r for r in table["rows"]}
    assert by_model["yolov8n.yaml"]["parameters"] != by_model["yolo11n.yaml"]["parameters"], "two real architectures"
    for row in table["rows"]:
        assert row["epochs"] == 1 and row["latency_ms"] > 0 and 0 <= row["map50_95"] <= 1
    assert set(table["pareto_front"]) <= set(by_model) and table["pareto_front"]
    assert "| yolo11n.yaml" in (tmp_path / "reports/architectures/table.md").read_text()
    assert (tmp_path / "reports/architectures/speed_accuracy.png").stat().st_size > 1000
