"""The forgetting check: which old classes a new model lost, and why."""

from __future__ import annotations

from tasks.evaluate import ap_by_class, check_forgetting

OLD = ["ring", "cross"]


def test_a_drop_beyond_tolerance_is_flagged_with_its_figures():
    flags = check_forgetting({"ring": 0.60, "cross": 0.50}, {"ring": 0.58, "cross": 0.30, "star": 0.4}, OLD, 0.05)
    assert [f.name for f in flags] == ["cross"]
    assert flags[0].drop == 0.2 and flags[0].before == 0.5 and flags[0].after == 0.3
    assert "cross: mAP50-95 0.500 -> 0.300, a drop of 0.200 > tolerance 0.050" in flags[0].reason


def test_a_drop_within_tolerance_or_a_gain_passes():
    assert check_forgetting({"ring": 0.6, "cross": 0.5}, {"ring": 0.55, "cross": 0.7}, OLD, 0.05) == []


def test_the_tolerance_is_the_boundary():
    assert check_forgetting({"ring": 0.5}, {"ring": 0.4}, ["ring"], 0.1 + 1e-9) == []
    assert len(check_forgetting({"ring": 0.5}, {"ring": 0.4}, ["ring"], 0.09)) == 1


def test_a_class_the_new_model_lost_counts_as_zero():
    flags = check_forgetting({"ring": 0.6, "cross": 0.5}, {"ring": 0.6, "cross": None}, OLD, 0.05)
    assert [f.name for f in flags] == ["cross"] and flags[0].after is None
    assert "no longer knows" in flags[0].reason


def test_only_old_classes_the_reference_knew_are_checked():
    assert check_forgetting({"ring": None, "star": 0.9}, {"ring": 0.0, "star": 0.0}, ["ring"], 0.05) == []


def test_ap_by_class_reads_an_evaluation():
    per_class = {"ring": {"known": True, "ap50_95": 0.4}, "star": {"known": False, "ap50_95": 0.0}}
    assert ap_by_class(per_class) == {"ring": 0.4, "star": None}


def test_a_forgetting_flag_vetoes_promotion_and_says_why():
    from tasks.evaluate.forgetting import veto_forgetting

    decision = {"promote": True, "first_model": True, "checks": [], "reasons": ["no champion yet: first model"]}
    assert veto_forgetting(decision, []) is decision
    flag = {"name": "ring", "reason": "ring: mAP50-95 0.500 -> 0.100, a drop of 0.400 > tolerance 0.050"}
    vetoed = veto_forgetting(decision, [flag])
    assert vetoed["promote"] is False
    assert vetoed["reasons"][-1] == f"FAIL: forgetting: {flag['reason']}"
    assert decision["promote"] is True, "the input decision is not changed"
