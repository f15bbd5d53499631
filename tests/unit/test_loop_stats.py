"""The statistics of the label-efficiency report on fixed numbers: intervals, AULC, paired differences, reach."""

from __future__ import annotations

import pytest

from tasks.loop.curves import CurvePoint
from tasks.loop.efficiency import summarise
from tasks.loop.stats import aulc, bootstrap_interval, labels_to_reach_curve, paired_difference, t_interval


def test_t_interval_of_five_values():
    interval = t_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    # sd = sqrt(2.5); t(0.975, 4) = 2.776445; half width = 2.776445 * 1.581139 / sqrt(5) = 1.963243
    assert interval.mean == pytest.approx(3.0)
    assert interval.low == pytest.approx(3.0 - 1.963243, abs=1e-5)
    assert interval.high == pytest.approx(3.0 + 1.963243, abs=1e-5)
    one = t_interval([0.4])
    assert (one.mean, one.low, one.high, one.n) == (0.4, None, None, 1)
    with pytest.raises(ValueError):
        t_interval([])


def test_bootstrap_interval_of_two_values_is_their_range():
    # the mean of a resample of (0, 10) is 0, 5 or 10 with chances 1/4, 1/2, 1/4: 2.5% and 97.5% quantiles 0 and 10
    interval = bootstrap_interval([0.0, 10.0], resamples=20_000, seed=1)
    assert (interval.mean, interval.low, interval.high) == (5.0, 0.0, 10.0)
    constant = bootstrap_interval([0.3, 0.3, 0.3])
    assert constant.low == pytest.approx(0.3) and constant.high == pytest.approx(0.3)


def test_paired_difference_pairs_by_repeat():
    arm, base = [0.30, 0.42, 0.35, 0.50], [0.25, 0.40, 0.30, 0.45]  # each repeat: +0.05, +0.02, +0.05, +0.05
    difference = paired_difference(arm, base, resamples=5000, seed=0)
    assert difference.mean == pytest.approx(0.0425)
    assert 0.02 <= difference.low < difference.mean < difference.high <= 0.05
    assert difference.low > 0, "every repeat gains, so the interval is above 0 though the arms' ranges overlap"
    with pytest.raises(ValueError, match="differ in count"):
        paired_difference([0.1, 0.2], [0.1])


def test_aulc_is_the_normalised_trapezoid():
    assert aulc([10, 20, 40], [0.1, 0.3, 0.4]) == pytest.approx((10 * 0.2 + 20 * 0.35) / 30)  # 0.3
    assert aulc([40, 10, 20], [0.4, 0.1, 0.3]) == pytest.approx(0.3), "order of the points does not matter"
    assert aulc([10], [0.25]) == pytest.approx(0.25)


def test_labels_to_reach_interpolates_and_says_never():
    assert labels_to_reach_curve([10, 20, 30], [0.2, 0.4, 0.5], 0.3) == pytest.approx(15.0)
    assert labels_to_reach_curve([10, 20, 30], [0.2, 0.4, 0.5], 0.1) == 10.0
    assert labels_to_reach_curve([10, 20, 30], [0.2, 0.4, 0.5], 0.6) is None


def point(arm: str, repeat: int, round_number: int, images: int, value: float) -> CurvePoint:
    return CurvePoint(arm, round_number, images, images, value, value, 1.0, repeat, f"seed{repeat}", f"w{repeat}")


def test_summary_reports_bands_aulc_differences_and_labels_to_reach():
    curves = {
        "random": [[0.1, 0.2, 0.3], [0.1, 0.22, 0.28]],
        "hybrid": [[0.1, 0.3, 0.35], [0.1, 0.32, 0.33]],
    }
    points = [
        point(arm, repeat, r, 10 + 10 * r, value)
        for arm, repeats in curves.items()
        for repeat, values in enumerate(repeats)
        for r, value in enumerate(values)
    ]
    summary = summarise(points, resamples=2000)
    random_last = summary["arms"]["random"]["curve"][-1]
    assert random_last["images"] == 30 and random_last["map50_95"]["mean"] == pytest.approx(0.29)
    assert summary["arms"]["random"]["aulc"]["per_repeat"][0] == pytest.approx((10 * 0.15 + 10 * 0.25) / 20)
    versus = summary["arms"]["hybrid"]["vs_baseline"]
    assert versus["final_map50_95"]["mean"] == pytest.approx(0.05)
    assert versus["per_round"][1]["mean"] == pytest.approx(0.10)
    reach = summary["labels_to_reach"]["arms"]["hybrid"]
    # hybrid's mean curve: 0.1 @ 10, 0.31 @ 20; random's final mean 0.29 is reached at 10 + 10 * 0.19 / 0.21
    assert reach["images"] == pytest.approx(10 + 10 * 0.19 / 0.21)
    assert reach["share_of_baseline"] == pytest.approx(reach["images"] / 30)
    assert summary["labels_to_reach"]["arms"]["random"]["images"] == pytest.approx(30.0)


def test_labels_to_reach_says_nothing_when_random_did_not_improve_on_its_seed():
    points = [point(arm, 0, r, 10 + 10 * r, 0.1) for arm in ("random", "hybrid") for r in range(3)]
    reach = summarise(points, resamples=200)["labels_to_reach"]
    assert reach["arms"] == {} and reach["note"] == "random did not improve"
