"""Two repeats of two oracle rounds on tiny data, three strategies as arms, with real training and mining."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.active_learning import oracle_flow
from flows.prepare import prepare_flow
from tasks.core.params import load_params
from tests.profiles import TINY, write_params

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
def loop(tmp_path_factory, prefect_harness) -> Path:
    root = tmp_path_factory.mktemp("loop")
    params = load_params(write_params(root / "params.yaml", TINY, LOOP))
    previous = Path.cwd()
    os.chdir(root)
    try:
        prepare_flow(params, root)
        oracle_flow(params, root)
        yield root
    finally:
        os.chdir(previous)


def test_every_arm_grows_by_one_batch_per_round_in_every_repeat(loop):
    report = json.loads((loop / "reports/active_learning/report.json").read_text())
    for repeat in (0, 1):
        for arm in ARMS:
            rows = [row for row in report["runs"] if row["arm"] == arm and row["repeat"] == repeat]
            assert [(r["round"], r["images"]) for r in rows] == [(0, 6), (1, 8), (2, 10)]
            assert all(0.0 <= r["map50_95"] <= 1.0 for r in rows)
            assert [r["rule"] for r in rows] == ["", arm, arm], "cold start is off: each arm runs its own rule"
    summary = report["summary"]
    assert summary["complete_repeats"] == [0, 1] and summary["pairing"]["all_paired"]
    assert summary["pairing"]["seed_sets_differ"]
    hybrid = summary["arms"]["hybrid"]
    assert [row["map50_95"]["n"] for row in hybrid["curve"]] == [2, 2, 2]
    assert set(hybrid["vs_baseline"]) == {"aulc", "final_map50_95", "per_round"}
    assert (loop / "reports/active_learning/curve.png").stat().st_size > 1000
    assert "| hybrid |" in (loop / "reports/active_learning/report.md").read_text()


def test_each_arm_labels_new_pool_images_with_the_oracle_truth(loop, state_dir):
    pool = {p.name for p in (loop / "data/pool/images").iterdir()}
    for arm in ARMS:
        round_two = state_dir / "work" / "al" / "repeat-1" / arm / "round-2" / "train"
        from_pool = sorted(p for p in (round_two / "images").iterdir() if p.name in pool)
        assert len(from_pool) == 4, "two new pool images per round, none chosen twice"
        for image in from_pool:
            truth = (loop / "data/oracle/labels" / f"{image.stem}.txt").read_text()
            assert (round_two / "labels" / f"{image.stem}.txt").read_text() == truth
