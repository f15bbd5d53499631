"""Which registered version the evaluate stage judges: the model card's, under the current registered name.

Renaming `tracking.registered_model` retrains nothing (train and transfer do not depend on it),
so the card of models/<stage> may name the model it was registered under before. The champion
comparison and the aliases must apply to the current name: the same weights are registered there
first, as a new version in an MLflow run of its own, tagged with where they came from, so a
second evaluation of the same model finds that version instead of registering it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.core.paths import Layout
from tasks.core.schema import TrackingParams
from tasks.ops import tracking
from tasks.ops.registry import version_tagged

REGISTERED_FROM = "yoloop.registered_from"


def register_under(
    tracking_params: TrackingParams, layout: Layout, card: dict[str, Any], weights: Path, origin: str
) -> str:
    """Register `weights` as a new version of the current name, in its own run; tag it with its lineage."""
    logged = {"from": origin, "to": tracking_params.registered_model, "stage": card.get("stage")}
    with tracking.stage_run(tracking_params, "register", logged, layout):
        version = tracking.register_weights(weights, tracking_params, card["names"])
    lineage = {"yoloop.stage": card.get("stage"), "transfers_since_scratch": card.get("transfers_since_scratch", 0)}
    tracking.tag_model_version(tracking_params, version, {**lineage, REGISTERED_FROM: origin})
    return version


def candidate_version(
    tracking_params: TrackingParams, layout: Layout, card: dict[str, Any], weights: Path
) -> str | None:
    """The version of the evaluated model under `tracking.registered_model` (None: it was never registered)."""
    version = str(card["model_version"]) if card.get("model_version") else None
    registered_as = card.get("registered_model", tracking_params.registered_model)  # older cards: the current name
    if version is None or registered_as == tracking_params.registered_model:
        return version
    origin = f"{registered_as}/{version}"
    existing = version_tagged(tracking_params.registered_model, REGISTERED_FROM, origin)
    return existing or register_under(tracking_params, layout, card, weights, origin)
