"""Promotion: a rule from params over plain numbers, then the registry aliases it allows.

`decide` is a pure function of the comparison (tasks/evaluate/bootstrap.py) and the rule, so the
decision can be tested on hand-built numbers and re-read from reports/ later. Only
`apply_decision` touches MLflow: `champion` moves when every check passes, otherwise the
new version becomes `challenger`; with no champion yet, the first model becomes one.

With a shared registry, two evaluations can finish close together. A decision is only valid
against the champion it compared with, so the move is a compare-and-set: under the registry's
promotion lock (tasks/tracking/registry_lock.py), the champion is read again and, when it is no longer
the one compared against, nothing moves and `ChampionMoved` is raised; `settle` then runs the
evaluation's judgement again against the new champion, and refuses after a few tries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from tasks.tracking import CHALLENGER, CHAMPION, champion_version, promotion_lock

TOLERANCE = 1e-9  # limits are inclusive; float noise in a difference (0.47 - 0.5) must not flip a check
SETTLE_ATTEMPTS = 3
UNCHECKED = "unchecked"  # apply_decision without a compare-and-set (a single user, one process)
T = TypeVar("T")


class ChampionMoved(RuntimeError):
    """The champion changed between the comparison and the alias move: the decision is stale."""

    def __init__(self, model_name: str, compared_with: str | None, now: str | None):
        self.model_name, self.compared_with, self.now = model_name, compared_with, now
        super().__init__(
            f"models:/{model_name}: the champion moved from version {compared_with} to {now} "
            "while this model was compared against the former"
        )


class PromotionRefused(RuntimeError):
    """The champion kept moving while this evaluation compared; nothing was moved."""


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


def apply_decision(
    client: Any, model_name: str, version: str, decision: dict[str, Any], compared_with: str | None = UNCHECKED
) -> dict[str, Any]:
    """Move the aliases the decision allows; returns what the registry looks like and whether it changed.

    `compared_with` is the champion the decision was made against (None: there was none); when the
    registry's champion is another one by now, raise `ChampionMoved` and move nothing.
    """
    with promotion_lock(client, model_name):
        before = champion_version(client, model_name)
        if compared_with != UNCHECKED and before != compared_with:
            raise ChampionMoved(model_name, compared_with, before)
        if decision["promote"]:
            client.set_registered_model_alias(model_name, CHAMPION, version)
            aliases = client.get_model_version(model_name, version).aliases
            if CHALLENGER in aliases:
                client.delete_registered_model_alias(model_name, CHALLENGER)
        else:
            client.set_registered_model_alias(model_name, CHALLENGER, version)
        after = champion_version(client, model_name)
    return {"champion_before": before, "champion_after": after, "changed": before != after, "version": version}


def settle(judge: Callable[[], T], attempts: int = SETTLE_ATTEMPTS, log: Callable[[str], None] = print) -> T:
    """Run `judge` (read the champion, compare, decide, apply_decision) until its move is not stale."""
    for attempt in range(1, attempts + 1):
        try:
            return judge()
        except ChampionMoved as moved:
            if attempt == attempts:
                raise PromotionRefused(
                    f"{moved}; it moved {attempts} times while this evaluation compared, so no alias was "
                    "moved; run the evaluate stage again to compare against the champion now"
                ) from moved
            log(f"{moved}; comparing again against version {moved.now} (try {attempt + 1} of {attempts})")
    raise ValueError("settle: attempts must be at least 1")
