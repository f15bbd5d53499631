"""The forgetting check: did a new model lose what the old one knew about the old classes?

Pure functions over per-class mAP50-95 figures, so the evaluate stage, the economics
report and a promotion gate all flag the same models for the same reasons.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ForgettingFlag:
    """One old class whose mAP50-95 fell by more than the tolerance."""

    name: str
    before: float
    after: float | None  # None: the new model does not know the class at all
    drop: float
    reason: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def ap_by_class(per_class: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """mAP50-95 per class from an evaluation's `per_class`; None for a class the model does not know."""
    return {name: (float(row["ap50_95"]) if row.get("known", True) else None) for name, row in per_class.items()}


def check_forgetting(
    before: dict[str, float | None], after: dict[str, float | None], old_classes: list[str], tolerance: float
) -> list[ForgettingFlag]:
    """Old classes whose mAP50-95 dropped by more than `tolerance` (absolute) from `before` to `after`.

    A class the reference does not know cannot be forgotten; one the new model lost counts as 0.
    """
    flags = []
    for name in old_classes:
        reference = before.get(name)
        if reference is None:
            continue
        now = after.get(name)
        drop = reference - (now or 0.0)
        if drop <= tolerance:
            continue
        if now is None:
            reason = f"{name}: the new model no longer knows this class (mAP50-95 was {reference:.3f})"
        else:
            reason = f"{name}: mAP50-95 {reference:.3f} -> {now:.3f}, a drop of {drop:.3f} > tolerance {tolerance:.3f}"
        flags.append(ForgettingFlag(name, reference, now, round(drop, 6), reason))
    return flags


def veto_forgetting(decision: dict[str, Any], flags: list[dict[str, Any]]) -> dict[str, Any]:
    """A promotion decision with the forgetting flags added: any flag keeps the model from promotion."""
    if not flags:
        return decision
    reasons = [f"FAIL: forgetting: {flag['reason']}" for flag in flags]
    return {**decision, "promote": False, "reasons": [*decision["reasons"], *reasons]}
