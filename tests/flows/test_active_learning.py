"""Two repeats of two oracle rounds on tiny data, three strategies as arms, with real training and mining."""

from __future__ import annotations

import json

import pytest

from flows.active_learning import oracle_flow
from flows.prepare import prepare_flow
from tasks.core import Layout
from tests.metrics_table import dvc_table, dvc_view
from tests.projects import Project, new_project

pytestmark = pytest.mark.slow
ARMS = ["random", "diversity", "hybrid"]
LOOP = {
    "active_learning": {
        "rounds": 2,
        "batch": 2,
        "seed_images": 6,
        "epochs": 1,
        "transfer_epochs": 1,
        "arms": ARMS,
        "repeats": 2,
    },
    "mine": {"imgsz": 64, "batch": 8, "cold_start": 0.0},  # a 1-epoch model is weak: without this, all is diversity
}


@pytest.fixture(scope="module")
def loop(tmp_path_factory, prefect_harness) -> Project:
    project = new_project(tmp_path_factory.mktemp("loop") / "project", LOOP)
    project.run(prepare_flow, oracle_flow)
    return project


def test_every_arm_grows_by_one_batch_per_round_in_every_repeat(loop):
    report = json.loads((loop.root / "reports/active_learning/report.json").read_text())
    for repeat in (0, 1):
        for arm in ARMS:
            rows = [row for row in report["runs"] if row["arm"] == arm and row["repeat"] == repeat]
            assert [(r["round"], r["images"]) for r in rows] == [(0, 6), (1, 8), (2, 10)]
            assert all(r["map50"] >= r["map50_95"] for r in rows), "a looser IoU finds at least as much"
            assert [r["boxes"] for r in rows] == sorted(r["boxes"] for r in rows), "labelled boxes only grow"
            assert [r["rule"] for r in rows] == ["", arm, arm], "cold start is off: each arm runs its own rule"
    summary = report["summary"]
    assert summary["complete_repeats"] == [0, 1] and summary["pairing"]["all_paired"]
    assert summary["pairing"]["seed_sets_differ"]
    hybrid = summary["arms"]["hybrid"]
    assert [row["map50_95"]["n"] for row in hybrid["curve"]] == [2, 2, 2]
    finals = [r["map50_95"] for r in report["runs"] if r["arm"] == "hybrid" and r["round"] == 2]
    assert hybrid["curve"][-1]["map50_95"]["mean"] == pytest.approx(sum(finals) / 2), "the band is over the runs"
    assert set(hybrid["vs_baseline"]) == {"aulc", "final_map50_95", "per_round"}
    assert (loop.root / "reports/active_learning/curve.png").stat().st_size > 1000
    assert "| hybrid |" in (loop.root / "reports/active_learning/report.md").read_text()


def test_each_arm_labels_new_pool_images_with_the_oracle_truth(loop):
    pool = {p.name for p in (loop.root / "data/pool/images").iterdir()}
    for arm in ARMS:
        round_two = Layout(loop.root).scratch / "al" / "repeat-1" / arm / "round-2" / "train"
        from_pool = sorted(p for p in (round_two / "images").iterdir() if p.name in pool)
        assert len(from_pool) == 4, "two new pool images per round, none chosen twice"
        for image in from_pool:
            truth = (loop.root / "data/oracle/labels" / f"{image.stem}.txt").read_text()
            assert (round_two / "labels" / f"{image.stem}.txt").read_text() == truth


def test_dvc_plots_show_draws_the_learning_curve_of_every_arm(loop, tmp_path):
    """The study writes its curves and their plot beside its report: `dvc plots show` at the root draws them."""
    view = dvc_view(loop.root, tmp_path / "view")
    shown = json.loads(dvc_table(view, "plots", "show", "--json"))
    (plot,) = shown["data"]["learning curve (active_learning)"]
    rows = plot["content"]["data"]["values"]
    assert sorted({row["filename"] for row in rows}) == sorted(f"{arm}.csv" for arm in ARMS)
    report = json.loads((loop.root / "reports/active_learning/report.json").read_text())
    hybrid = report["summary"]["arms"]["hybrid"]["curve"]
    drawn = [(float(r["images"]), float(r["map50_95"])) for r in rows if r["filename"] == "hybrid.csv"]
    assert drawn == [(row["images"], pytest.approx(row["map50_95"]["mean"], abs=1e-4)) for row in hybrid]
