"""Scratch or transfer: the four experiments' figures, what they cost, and what to do next.

A: scratch on the base classes; B: A transferred to the new data only; C: A transferred to
all data; D: scratch on all data. Everything here is a pure function of those figures, so
the decisions can be tested without training anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tasks.evaluate.forgetting import ForgettingFlag

EXPERIMENTS = {
    "A": "scratch on the base classes",
    "B": "A transferred to the new data only",
    "C": "A transferred to all data",
    "D": "scratch on all data",
}


@dataclass
class Experiment:
    """One training path and its result on the shared test set."""

    name: str
    description: str
    start: str
    data: str
    epochs: int
    images_seen: int
    wall_s: float
    device_s: float
    cost: float
    map50_95: float
    per_class: dict[str, float | None]  # None: the model does not know the class
    forgetting: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def device_cost(device_s: float, price_per_device_hour: float) -> float:
    """What the device time costs at the given hourly price."""
    return round(device_s / 3600 * price_per_device_hour, 6)


@dataclass(frozen=True)
class Recommendation:
    action: Literal["transfer", "retrain"]
    reasons: list[str]


def recommend(
    rows: dict[str, Experiment],
    flags_c: list[ForgettingFlag],
    quality_floor: float,
    plan: Literal["transfer", "retrain"],
) -> Recommendation:
    """Transfer on all data (C) when it keeps the old classes and nearly matches scratch (D); else retrain."""
    c, d = rows["C"], rows["D"]
    quality = c.map50_95 / d.map50_95 if d.map50_95 > 0 else 1.0
    compute = c.device_s / d.device_s if d.device_s > 0 else 0.0
    figures = (
        f"C reaches {quality:.0%} of D's mAP50-95 ({c.map50_95:.3f} vs {d.map50_95:.3f}) "
        f"with {compute:.0%} of its device time ({c.cost:.4f} vs {d.cost:.4f})"
    )
    reasons = []
    if plan == "retrain":
        reasons.append("the model is retrain_every transfers away from a scratch run: time for a full retrain")
    if flags_c:
        reasons += [f"C forgets: {flag.reason}" for flag in flags_c]
    if quality < quality_floor:
        reasons.append(f"{figures}, below the quality floor of {quality_floor:.0%}")
    if reasons:
        return Recommendation("retrain", reasons)
    return Recommendation("transfer", [f"{figures}, and keeps the old classes"])


def economics_report(
    rows: dict[str, Experiment], recommendation: Recommendation, settings: dict[str, Any]
) -> dict[str, Any]:
    """The report as plain data: one row per experiment, the recommendation, and the settings used."""
    return {
        "experiments": {name: row.to_json() for name, row in rows.items()},
        "recommendation": {"action": recommendation.action, "reasons": recommendation.reasons},
        "settings": settings,
    }
