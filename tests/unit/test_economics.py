"""Scratch or transfer: the retrain schedule, the recommendation and the report, from given figures."""

from __future__ import annotations

import pytest

from tasks.evaluate import ForgettingFlag, check_forgetting
from tasks.studies.economics import (
    Experiment,
    device_cost,
    economics_report,
    plot_per_class,
    recommend,
    render_markdown,
)
from tasks.train import plan_next_training


def _row(name: str, map50_95: float, device_s: float, per_class: dict) -> Experiment:
    start = "A" if name in "BC" else "yolov8n.yaml"
    return Experiment(name, f"run {name}", start, "all", 10, 100, device_s, device_s, 0.01, map50_95, per_class)


def _rows(c_map: float = 0.57, c_ring: float = 0.6) -> dict[str, Experiment]:
    return {
        "A": _row("A", 0.6, 300, {"ring": 0.62, "cross": 0.58, "star": None}),
        "B": _row("B", 0.2, 30, {"ring": 0.05, "cross": 0.02, "star": 0.5}),
        "C": _row("C", c_map, 30, {"ring": c_ring, "cross": 0.56, "star": 0.55}),
        "D": _row("D", 0.6, 400, {"ring": 0.6, "cross": 0.6, "star": 0.6}),
    }


@pytest.mark.parametrize(
    ("transfers", "every", "plan"),
    [
        (0, 3, "transfer"),
        (2, 3, "transfer"),
        (3, 3, "retrain"),
        (7, 3, "retrain"),
        (50, 0, "transfer"),
        (1, 1, "retrain"),
    ],
)
def test_plan_retrains_after_every_n_transfers(transfers, every, plan):
    assert plan_next_training(transfers, every) == plan


def test_cost_is_device_hours_times_price():
    assert device_cost(1800, 3.0) == 1.5


def test_transfer_is_advised_when_close_to_scratch_and_nothing_is_forgotten():
    rows = _rows()
    advice = recommend(rows, [], 0.95, "transfer")
    assert advice.action == "transfer"
    assert "C reaches 95% of D's mAP50-95" in advice.reasons[0] and "8% of its device time" in advice.reasons[0]


def test_retrain_when_transfer_falls_below_the_quality_floor():
    advice = recommend(_rows(c_map=0.5), [], 0.95, "transfer")
    assert advice.action == "retrain" and "below the quality floor of 95%" in advice.reasons[0]


def test_retrain_when_transfer_forgets_an_old_class():
    rows = _rows(c_ring=0.3)
    flags = check_forgetting(rows["A"].per_class, rows["C"].per_class, ["ring", "cross"], 0.05)
    advice = recommend(rows, flags, 0.95, "transfer")
    assert advice.action == "retrain" and advice.reasons[0].startswith("C forgets: ring:")


def test_retrain_when_the_schedule_says_so():
    advice = recommend(_rows(), [], 0.95, plan_next_training(3, 3))
    assert advice.action == "retrain" and "retrain_every" in advice.reasons[0]


# The rule on fixed figures, each expectation written out by hand (not computed by a second copy of the rule).
# C and D: C costs 50 device seconds (0.0250), D 200 (0.1000), so C takes 25% of D's device time; floor 85%.
RING_FORGOTTEN = ForgettingFlag(
    "ring", 0.62, 0.30, 0.32, "ring: mAP50-95 0.620 -> 0.300, a drop of 0.320 > tolerance 0.050"
)
RULE_CASES = {
    "transfer: C reaches the floor and forgets nothing": (
        0.45, 0.50, [], "transfer",
        "transfer",
        ["C reaches 90% of D's mAP50-95 (0.450 vs 0.500) with 25% of its device time (0.0250 vs 0.1000), "
         "and keeps the old classes"],
    ),
    "transfer: exactly at the floor counts as reaching it": (
        0.425, 0.50, [], "transfer",
        "transfer",
        ["C reaches 85% of D's mAP50-95 (0.425 vs 0.500) with 25% of its device time (0.0250 vs 0.1000), "
         "and keeps the old classes"],
    ),
    "retrain: C forgets an old class, however close to D it is": (
        0.45, 0.50, [RING_FORGOTTEN], "transfer",
        "retrain",
        ["C forgets: ring: mAP50-95 0.620 -> 0.300, a drop of 0.320 > tolerance 0.050"],
    ),
    "retrain: C below the quality floor": (
        0.30, 0.50, [], "transfer",
        "retrain",
        ["C reaches 60% of D's mAP50-95 (0.300 vs 0.500) with 25% of its device time (0.0250 vs 0.1000), "
         "below the quality floor of 85%"],
    ),
    "retrain: forgetting and below the floor, both said, in that order": (
        0.30, 0.50, [RING_FORGOTTEN], "transfer",
        "retrain",
        ["C forgets: ring: mAP50-95 0.620 -> 0.300, a drop of 0.320 > tolerance 0.050",
         "C reaches 60% of D's mAP50-95 (0.300 vs 0.500) with 25% of its device time (0.0250 vs 0.1000), "
         "below the quality floor of 85%"],
    ),
    "retrain: nothing learned, neither C nor D detects anything": (
        0.0, 0.0, [], "transfer",
        "retrain",
        ["D scores 0 mAP50-95 (C 0.000): no share of it to compare; C takes 25% of D's device time "
         "(0.0250 vs 0.1000); neither detects anything on the test split: train longer to decide"],
    ),
    "transfer: D learned nothing but C did, so there is no share to fall below": (
        0.10, 0.0, [], "transfer",
        "transfer",
        ["D scores 0 mAP50-95 (C 0.100): no share of it to compare; C takes 25% of D's device time "
         "(0.0250 vs 0.1000), and keeps the old classes"],
    ),
    "retrain: the schedule says so, although C would do": (
        0.45, 0.50, [], "retrain",
        "retrain",
        ["the model is retrain_every transfers away from a scratch run: time for a full retrain"],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("c_map", "d_map", "flags", "plan", "action", "reasons"), RULE_CASES.values(), ids=RULE_CASES)
def test_the_recommendation_rule_on_hand_made_figures(c_map, d_map, flags, plan, action, reasons):
    """Each case's action and reasons are written literally: a wrong rule fails here, whatever the flow test sees."""
    rows = {
        "C": Experiment("C", "run C", "A", "all", 10, 100, 50, 50, 0.025, c_map, {}),
        "D": Experiment("D", "run D", "yolov8n.yaml", "all", 10, 100, 200, 200, 0.1, d_map, {}),
    }
    advice = recommend(rows, flags, 0.85, plan)
    assert (advice.action, advice.reasons) == (action, reasons)


def test_report_has_a_row_per_experiment_in_markdown_and_plot(tmp_path):
    rows = _rows()
    rows["B"].forgetting = [
        f.to_json() for f in check_forgetting(rows["A"].per_class, rows["B"].per_class, ["ring"], 0.05)
    ]
    settings = {"test_images": 6, "old_classes": ["ring", "cross"], "price_per_device_hour": 2.0, "device": "cpu"}
    report = economics_report(rows, recommend(rows, [], 0.95, "transfer"), {**settings, "retrain_every": 3})
    text = render_markdown(report)
    table = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| run")]
    assert [line.split(" | ")[0] for line in table] == ["| A", "| B", "| C", "| D"]
    assert table[0].endswith("| 0.620 | 0.580 | - | - |"), "A does not know star and forgets nothing"
    assert "| 330.0 |" in table[2], "C's device seconds including A's"
    assert table[1].endswith("| ring |") and "## Recommendation: transfer now" in text
    assert plot_per_class(report, tmp_path / "per_class.png").stat().st_size > 5000
