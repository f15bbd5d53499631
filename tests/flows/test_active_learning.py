"""Two oracle rounds of the active-learning loop on tiny data, both arms, with real training and mining."""

from __future__ import annotations

import json

import pytest

from flows.active_learning import oracle_flow
from flows.prepare import prepare_flow
from tests.projects import Project, new_project

pytestmark = pytest.mark.slow
LOOP = {
    "active_learning": {"rounds": 2, "batch": 2, "seed_images": 6, "epochs": 1, "transfer_epochs": 1},
    "mine": {"imgsz": 64, "batch": 8},
}


@pytest.fixture(scope="module")
def loop(tmp_path_factory, prefect_harness) -> Project:
    project = new_project(tmp_path_factory.mktemp("loop") / "project", LOOP)
    with project.active():
        prepare_flow(project.params())
        oracle_flow(project.params())
    return project


def test_both_arms_grow_by_one_batch_per_round(loop):
    report = json.loads((loop.root / "reports/active_learning/report.json").read_text())
    arms = {arm: [row for row in report["curve"] if row["arm"] == arm] for arm in ("mined", "random")}
    for rows in arms.values():
        assert [(r["round"], r["images"]) for r in rows] == [(0, 6), (1, 8), (2, 10)]
        assert all(r["map50"] >= r["map50_95"] for r in rows), "a looser IoU finds at least as much"
        assert [r["boxes"] for r in rows] == sorted(r["boxes"] for r in rows), "labelled boxes only grow"
    savings = report["savings"]
    assert savings["mined_images"] == 10 and savings["mined_map50_95"] == arms["mined"][-1]["map50_95"]
    gap = arms["mined"][-1]["map50_95"] - arms["random"][-1]["map50_95"]
    assert savings["map50_95_gap_at_equal_labels"] == pytest.approx(gap), "the gap is read off the two curves"
    assert (loop.root / "reports/active_learning/curve.png").stat().st_size > 1000
    assert "mined vs random" in (loop.root / "reports/active_learning/report.md").read_text()


def test_each_arm_labels_new_pool_images_with_the_oracle_truth(loop, state_dir):
    pool = {p.name for p in (loop.root / "data/pool/images").iterdir()}
    for arm in ("mined", "random"):
        round_two = state_dir / "work" / "al" / arm / "round-2" / "train"
        from_pool = sorted(p for p in (round_two / "images").iterdir() if p.name in pool)
        assert len(from_pool) == 4, "two new pool images per round, none chosen twice"
        for image in from_pool:
            truth = (loop.root / "data/oracle/labels" / f"{image.stem}.txt").read_text()
            assert (round_two / "labels" / f"{image.stem}.txt").read_text() == truth
