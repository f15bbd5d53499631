"""The promotion rule on hand-built comparisons: every part must pass, or nothing is promoted."""

from __future__ import annotations

import itertools

import pytest

from tasks.evaluate import decide
from tasks.evaluate.bootstrap import compare_models, relative_error_reduction

RULE = {"min_gain": 0.01, "max_latency_ratio": 1.2, "max_class_regression": 0.03}


def comparison(ci_low: float = 0.02, latency_ratio: float = 1.0, worst_class: float = 0.0) -> dict:
    """A comparison that passes RULE by default; each argument can push one part over its limit."""
    per_class = {"ring": 0.05, "cross": 0.04, "star": worst_class}
    new = {"map50_95": 0.6, "map50": 0.8, "latency_ms": 10.0 * latency_ratio, "version": "2"}
    old = {"map50_95": 0.55, "map50": 0.78, "latency_ms": 10.0, "version": "1"}
    new["per_class"] = {n: 0.5 + d for n, d in per_class.items()}
    old["per_class"] = {n: 0.5 for n in per_class}
    interval = {"low": ci_low, "high": ci_low + 0.05, "level": 0.95, "resamples": 100, "std": 0.01}
    return compare_models(new, old, interval, list(per_class))


FAILING = {
    "gain": {"ci_low": 0.005},  # gain interval starts below min_gain (though the point estimate is positive)
    "latency": {"latency_ratio": 1.25},
    "class_regression": {"worst_class": -0.04},
}


def test_all_parts_passing_promotes():
    decision = decide(comparison(), RULE)
    assert decision["promote"] is True
    assert [c["name"] for c in decision["checks"]] == ["gain", "latency", "class_regression"]
    assert all(reason.startswith("pass: ") for reason in decision["reasons"])


@pytest.mark.parametrize(
    "failing", [combo for n in (1, 2, 3) for combo in itertools.combinations(FAILING, n)], ids=lambda c: "+".join(c)
)
def test_any_failing_part_blocks_promotion(failing):
    overrides = {k: v for name in failing for k, v in FAILING[name].items()}
    decision = decide(comparison(**overrides), RULE)
    assert decision["promote"] is False
    failed = {c["name"] for c in decision["checks"] if not c["passed"]}
    assert failed == set(failing), "each check judges its own part only"
    assert sum(r.startswith("FAIL: ") for r in decision["reasons"]) == len(failing)


def test_limits_are_inclusive_and_just_beyond_fails():
    at_limits = comparison(ci_low=0.01, latency_ratio=1.2, worst_class=-0.03)
    assert decide(at_limits, RULE)["promote"] is True
    assert decide(comparison(ci_low=0.0099), RULE)["promote"] is False
    assert decide(comparison(latency_ratio=1.2001), RULE)["promote"] is False
    assert decide(comparison(worst_class=-0.0301), RULE)["promote"] is False


def test_first_model_is_promoted_without_comparison():
    decision = decide(None, RULE)
    assert decision["promote"] is True and decision["first_model"] is True


def test_comparison_numbers():
    c = comparison(latency_ratio=1.1)
    assert c["map50_95"]["diff"] == pytest.approx(0.05)
    assert c["latency_ratio"] == pytest.approx(1.1)
    assert c["per_class"]["ring"]["diff"] == pytest.approx(0.05)
    assert c["relative_error_reduction"] == pytest.approx((0.45 - 0.4) / 0.45)


def test_relative_error_reduction_of_the_resnet_convnext_example():
    # 76.1% -> 82.1% top-1 removes about a quarter of the error.
    assert relative_error_reduction(0.761, 0.821) == pytest.approx(0.251, abs=0.001)
    assert relative_error_reduction(0.8, 0.7) < 0


def test_a_tie_is_not_promoted_under_the_project_rule():
    from tasks.core import load_params
    from testkit.profiles import PROJECT_PARAMS

    rule = load_params(PROJECT_PARAMS).evaluate.promotion.model_dump()
    tie = comparison(ci_low=0.0, worst_class=0.0)
    assert decide(tie, rule)["promote"] is False, "an identical model must not churn production"
