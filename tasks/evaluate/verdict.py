"""The verdict on the evaluated model: compare it with the champion, decide by the rule, veto forgetting,
then move the registry aliases the decision allows (tasks/evaluate/promotion.py).

The move is a compare-and-set: when another evaluation moved the champion between this one's
comparison and its move (a shared registry), the judgement runs again against the new champion
(`settle`), so a decision is never applied against a champion it was not compared with.

A champion that knows none of the dataset's classes cannot be compared with: the stage stops
with a message naming `tracking.registered_model` (tasks/tracking/registry.py checks the
same before any training).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tasks.core import Params, PreparedDataset, resolve_device
from tasks.evaluate.against_champion import CandidateModel, compare_with_champion
from tasks.evaluate.forgetting import veto_forgetting
from tasks.evaluate.promotion import apply_decision, decide, settle
from tasks.tracking import champion_version, client, fetch_registered_weights, require_shared_classes


def compare_with_current_champion(
    params: Params, dataset: PreparedDataset, candidate: CandidateModel, champion: str, work: Path
) -> dict[str, Any]:
    """Fetch the champion's weights, check it shares classes with the dataset, and compare the two models."""
    name = params.tracking.registered_model
    old = fetch_registered_weights(f"models:/{name}/{champion}", work / "champion", "tracking.registered_model")
    require_shared_classes(name, champion, old.names, dataset.names)
    device = resolve_device(params.project.device)
    return compare_with_champion(candidate, old, dataset, params.evaluate, device, work, params.project.seed)


def judge(
    params: Params, dataset: PreparedDataset, candidate: CandidateModel, forgetting: dict, work: Path
) -> tuple[dict | None, dict, dict]:
    """The comparison (None without another champion), the decision, and what the registry looks like after.

    Judged again (up to promotion.SETTLE_ATTEMPTS times) when the champion moved meanwhile.
    """
    return settle(lambda: judge_once(params, dataset, candidate, forgetting, work))


def judge_once(
    params: Params, dataset: PreparedDataset, candidate: CandidateModel, forgetting: dict, work: Path
) -> tuple[dict | None, dict, dict]:
    """Compare with the champion read now, decide, and move the aliases only if that champion still holds.

    A model flagged for forgetting old classes is never promoted, whatever the comparison says.
    """
    registry, name = client(), params.tracking.registered_model
    champion, comparison = champion_version(registry, name), None
    if champion is not None and champion != candidate.version:
        comparison = compare_with_current_champion(params, dataset, candidate, champion, work)
    decision = decide(comparison, params.evaluate.promotion.model_dump())
    if champion is not None and champion == candidate.version:
        decision = {**decision, "first_model": False, "reasons": [f"version {champion} already holds champion"]}
    if champion != candidate.version:
        decision = veto_forgetting(decision, forgetting["flags"])
    if candidate.version is None:
        unchanged = {"champion_before": champion, "champion_after": champion, "changed": False, "version": None}
        return comparison, {**decision, "promote": False, "reasons": ["the model is not registered"]}, unchanged
    return comparison, decision, apply_decision(registry, name, candidate.version, decision, compared_with=champion)
