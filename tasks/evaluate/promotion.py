"""Promotion: a rule from params over plain numbers, then the registry aliases it allows.

`decide` is a pure function of the comparison (tasks/evaluate/bootstrap.py) and the rule, so the
decision can be tested on hand-built numbers and re-read from reports/ later. Only
`apply_decision` touches MLflow: `champion` moves when every check passes, otherwise the
new version becomes `challenger`; with no champion yet, the first model becomes one.
"""

from __future__ import annotations

from typing import Any

from tasks.ops.registry import CHALLENGER, CHAMPION, champion_version

TOLERANCE = 1e-9  # limits are inclusive; float noise in a difference (0.47 - 0.5) must not flip a check


def _checks(comparison: dict[str, Any], rule: dict[str, float]) -> list[dict[str, Any]]:
    low = comparison["interval"]["low"]
    ratio = comparison["latency_ratio"]
    worst_name, worst = min(
        ((n, c["diff"]) for n, c in comparison["per_class"].items()), key=lambda item: item[1], default=("-", 0.0)
    )
    return [
        {
            "name": "gain",
            "passed": low >= rule["min_gain"] - TOLERANCE,
            "reason": f"mAP50-95 gain CI lower bound {low:+.4f} vs required >= {rule['min_gain']:+.4f}",
        },
        {
            "name": "latency",
            "passed": ratio <= rule["max_latency_ratio"] + TOLERANCE,
            "reason": f"latency ratio new/old {ratio:.2f} vs allowed <= {rule['max_latency_ratio']:.2f}",
        },
        {
            "name": "class_regression",
            "passed": -worst <= rule["max_class_regression"] + TOLERANCE,
            "reason": f"worst class change {worst:+.4f} ({worst_name}) vs allowed regression "
            f"<= {rule['max_class_regression']:.4f}",
        },
    ]


def decide(comparison: dict[str, Any] | None, rule: dict[str, float]) -> dict[str, Any]:
    """Promote only when every check passes; with nothing to compare against, the model is the first champion."""
    if comparison is None:
        return {"promote": True, "first_model": True, "checks": [], "reasons": ["no champion yet: first model"]}
    checks = _checks(comparison, rule)
    passed = all(c["passed"] for c in checks)
    reasons = [("pass: " if c["passed"] else "FAIL: ") + c["reason"] for c in checks]
    return {"promote": passed, "first_model": False, "checks": checks, "reasons": reasons}


def apply_decision(client: Any, model_name: str, version: str, decision: dict[str, Any]) -> dict[str, Any]:
    """Move the aliases the decision allows; returns what the registry looks like and whether it changed."""
    before = champion_version(client, model_name)
    if decision["promote"]:
        client.set_registered_model_alias(model_name, CHAMPION, version)
        aliases = client.get_model_version(model_name, version).aliases
        if CHALLENGER in aliases:
            client.delete_registered_model_alias(model_name, CHALLENGER)
    else:
        client.set_registered_model_alias(model_name, CHALLENGER, version)
    after = champion_version(client, model_name)
    return {"champion_before": before, "champion_after": after, "changed": before != after, "version": version}
