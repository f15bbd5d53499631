"""`yoloop economics` on tiny settings: four real trainings, one shared test set, the report."""

from __future__ import annotations

import json

import pytest

from flows.economics import economics_flow
from flows.prepare import prepare_flow
from tasks.evaluate import ForgettingFlag
from tasks.studies.economics import Experiment, recommend
from tasks.train import plan_next_training
from tests.projects import Project, new_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory, prefect_harness) -> Project:
    """A project of its own, so its MLflow store holds the economics run only."""
    project = new_project(tmp_path_factory.mktemp("economics") / "project", {"forgetting": {"tolerance": 0.0}})
    project.run(prepare_flow, economics_flow)
    return project


@pytest.fixture(scope="module")
def report_dir(project):
    return project.root / "reports/economics"


def test_report_has_the_four_experiments_per_class(report_dir):
    report = json.loads((report_dir / "report.json").read_text())
    rows = report["experiments"]
    assert list(rows) == ["A", "B", "C", "D"]
    for name, row in rows.items():
        assert set(row["per_class"]) == {"ring", "cross", "star"}, name
        assert row["epochs"] == 1 and row["wall_s"] > 0 and row["device_s"] == row["wall_s"]
        assert row["cost"] == pytest.approx(row["device_s"] / 3600 * 2.0, abs=1e-6)
    assert rows["A"]["per_class"]["star"] is None, "A never saw the new class"
    assert all(rows[n]["per_class"]["star"] is not None for n in "BCD")
    assert rows["A"]["images_seen"] == 12 and rows["B"]["images_seen"] == 6
    assert rows["C"]["images_seen"] == rows["D"]["images_seen"] == 18
    assert rows["B"]["start"] == rows["C"]["start"] == "A"


def test_report_flags_forgetting_and_recommends(report_dir):
    report = json.loads((report_dir / "report.json").read_text())
    rows = report["experiments"]
    for name in "BC":  # tolerance 0: any drop of an old class is flagged, with its figures
        drops = {c for c in ("ring", "cross") if (rows[name]["per_class"][c] or 0) < rows["A"]["per_class"][c]}
        assert {flag["name"] for flag in rows[name]["forgetting"]} == drops
    advice = report["recommendation"]
    assert advice["action"] in {"transfer", "retrain"} and advice["reasons"] and all(advice["reasons"])
    # The rule itself is tested on hand-written cases (tests/unit/test_economics.py); here the report must say
    # what the rule says on the report's own figures, flags and settings, as they were written to the file.
    settings = report["settings"]
    figures = {name: Experiment(**row) for name, row in rows.items()}
    flags_c = [ForgettingFlag(**flag) for flag in rows["C"]["forgetting"]]
    plan = plan_next_training(settings["transfers_since_scratch"], settings["retrain_every"])
    expected = recommend(figures, flags_c, settings["quality_floor"], plan)
    assert (advice["action"], advice["reasons"]) == (expected.action, expected.reasons)
    text = (report_dir / "report.md").read_text()
    assert [line[:4] for line in text.splitlines() if line[:4] in {"| A ", "| B ", "| C ", "| D "}] == [
        "| A ",
        "| B ",
        "| C ",
        "| D ",
    ]
    assert "## Recommendation" in text
    assert (report_dir / "per_class.png").stat().st_size > 5000


def test_economics_is_one_mlflow_run_with_every_experiments_figures(project):
    client = project.mlflow()
    runs = client.search_runs([client.get_experiment_by_name("yoloop").experiment_id])
    assert [r.info.run_name for r in runs] == ["economics"]
    assert {f"{n}_map50_95" for n in "ABCD"} <= set(runs[0].data.metrics)
    assert {a.path for a in client.list_artifacts(runs[0].info.run_id)} >= {"report.md", "report.json", "per_class.png"}
