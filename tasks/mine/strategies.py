"""Selection strategies (`mine.strategy`): how a batch is picked from one scoring pass of the pool.

The mine stage and the oracle loop (tasks/loop/arms.py) both call `choose_batch`, so an arm of
the loop is exactly what the stage would hand out:

- `random`: a uniform draw of k candidates, seeded by the project seed and the round; the control
  arm, it reads no model output (no class balance, no duplicate check: those use the model).
- `uncertainty`: the ranking of tasks/mine/rank.py (mining score = uncertainty + uniqueness) with
  near-duplicate suppression and class balance (tasks/mine/selection.py).
- `diversity`: k-center greedy (tasks/mine/kcenter.py) over the detector's backbone embeddings,
  starting from what is covered already (the labelled training images and earlier rounds' picks).
- `hybrid`: the top `mine.shortlist * k` candidates of the uncertainty ranking, then k-center
  inside that shortlist: unsure images, but not k of the same kind.

Cold start: while the scoring model is weak (its val mAP50-95, which Ultralytics records in the
weights, below `mine.cold_start`; unknown counts as weak) its confidences say little, and plain
uncertainty is known to lose to random picking; `uncertainty` and `hybrid` then pick as
`diversity` does. In diverse picks a candidate within cosine `mine.near_duplicate` of anything
covered or picked is a near-duplicate and never picked, and class balance gives each dominant
class at most ceil(k / classes) places before the rest are filled farthest-first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np

from tasks.core import MineParams
from tasks.mine.kcenter import k_center_greedy
from tasks.mine.selection import Candidate, Choice, class_quota, select_batch

COLD_START_RULE = "cold-start-diversity"


@dataclass(frozen=True)
class PoolPick:
    """What every strategy chooses from: candidates with scores, their embeddings, and what is covered."""

    candidates: list[Candidate]
    embeddings: dict[str, np.ndarray]  # pool embeddings by image key (centred on the pool mean)
    covered: np.ndarray  # (rows, dim) embeddings of the labelled training images, centred the same way; may be 0 rows


def effective_rule(strategy: str, val_map50_95: float | None, cold_start: float) -> tuple[str, str]:
    """(rule, why): the strategy, or diversity while the model is below the cold-start threshold (0: never)."""
    weak = cold_start > 0 and (val_map50_95 is None or val_map50_95 < cold_start)
    if strategy in ("uncertainty", "hybrid") and weak:
        shown = "unknown" if val_map50_95 is None else f"{val_map50_95:.4f}"
        return COLD_START_RULE, f"cold start: model val mAP50-95 {shown} < mine.cold_start {cold_start}"
    return strategy, f"mine.strategy {strategy}"


def strategy_header(section: MineParams, val_map50_95: float | None) -> dict:
    """What the manifest says about how its batch was picked."""
    rule, why = effective_rule(section.strategy, val_map50_95, section.cold_start)
    return {"strategy": section.strategy, "rule": rule, "why": why, "model_val_map50_95": val_map50_95}


def pick_random(keys: list[str], k: int, seed: int, round_number: int) -> list[str]:
    """A uniform sample of k keys, the same for the same keys, seed and round whatever their order."""
    ordered = sorted(keys)
    return sorted(random.Random(f"{seed}:{round_number}").sample(ordered, min(k, len(ordered))))


def uncertainty_order(candidates: list[Candidate]) -> list[Candidate]:
    """Shortlisted (fully scored) images first, then by mining score: the order `select_batch` walks."""
    return sorted(candidates, key=lambda c: (c.tier, -c.score, c.image))


def choose_batch(
    strategy: str,
    pool: PoolPick,
    section: MineParams,
    earlier: set[str],
    val_map50_95: float | None,
    seed: int,
) -> tuple[str, list[Choice]]:
    """The rule that applied and up to `section.k` choices; `earlier` images are never chosen again."""
    rule, why = effective_rule(strategy, val_map50_95, section.cold_start)
    open_candidates = [c for c in pool.candidates if c.image not in earlier]
    k = section.k
    if rule == "random":
        by_key = {c.image: c for c in open_candidates}
        drawn = pick_random(list(by_key), k, seed, section.round)
        reason = f"uniform random draw (seed {seed}, round {section.round}) from {len(by_key)} candidates"
        return rule, [Choice(key, i + 1, by_key[key].score, reason, rule) for i, key in enumerate(drawn)]
    if rule == "uncertainty":
        duplicate, balance = section.near_duplicate, section.class_balance
        chosen = select_batch(open_candidates, pool.embeddings, k, duplicate, balance, earlier)
        return rule, [replace(choice, rule=rule) for choice in chosen]
    covered = _covered_with_earlier(pool, earlier)
    if rule == "hybrid":
        shortlist = uncertainty_order(open_candidates)[: section.shortlist * k]
        ranks = {c.image: i + 1 for i, c in enumerate(shortlist)}
        prefix = {c.image: f"uncertainty shortlist rank {ranks[c.image]} of {len(shortlist)}; " for c in shortlist}
        return rule, diverse_pick(shortlist, pool.embeddings, covered, section, rule, prefix)
    prefix = {c.image: f"{why}; " for c in open_candidates} if rule == COLD_START_RULE else {}
    return rule, diverse_pick(open_candidates, pool.embeddings, covered, section, rule, prefix)


def _covered_with_earlier(pool: PoolPick, earlier: set[str]) -> np.ndarray:
    """The labelled images' embeddings plus those of earlier rounds' picks (they are being labelled)."""
    handed_out = [pool.embeddings[key][None] for key in sorted(earlier) if key in pool.embeddings]
    return np.concatenate([pool.covered, *handed_out], axis=0)


def diverse_pick(
    candidates: list[Candidate],
    embeddings: dict[str, np.ndarray],
    covered: np.ndarray,
    section: MineParams,
    rule: str,
    prefix: dict[str, str],
) -> list[Choice]:
    """K-center greedy over `candidates`: a class-quota pass, then a farthest-first fill; no near-duplicates."""
    if not candidates:
        return []
    k = section.k
    points = np.stack([embeddings[c.image] for c in candidates]).astype(np.float32)
    classes = [c.dominant_class for c in candidates]
    quota = class_quota(k, len(set(classes)), section.class_balance)
    shown_quota = quota if section.class_balance else 0  # 0: no quota to mention
    radius = float(np.sqrt(max(2.0 - 2.0 * section.near_duplicate, 0.0)))
    taken: dict[str | None, int] = {}

    def count_class(row: int, allowed: np.ndarray) -> None:
        taken[classes[row]] = taken.get(classes[row], 0) + 1
        if taken[classes[row]] >= quota:
            allowed[[i for i, c in enumerate(classes) if c == classes[row]]] = False

    first = k_center_greedy(points, k, covered, None, count_class, radius)
    picks = [(row, distance, True) for row, distance in first]
    if len(picks) < k and section.class_balance:
        picked = [row for row, _, _ in picks]
        allowed = np.ones(len(candidates), dtype=bool)
        allowed[picked] = False
        now_covered = np.concatenate([covered, points[picked]], axis=0)
        rest = k_center_greedy(points, k - len(picks), now_covered, allowed, None, radius)
        picks += [(row, distance, False) for row, distance in rest]
    choices = []
    for rank, (row, distance, balanced) in enumerate(picks, start=1):
        image = candidates[row].image
        why = prefix.get(image, "") + _diverse_reason(rank, len(candidates), distance, balanced, shown_quota)
        choices.append(Choice(image, rank, candidates[row].score, why, rule))
    return choices


def _diverse_reason(rank: int, count: int, distance: float, balanced: bool, quota: int) -> str:
    if np.isfinite(distance):
        where = f"farthest from what is covered (cosine {1 - distance**2 / 2:.3f} to the nearest)"
    else:
        where = "the most typical candidate (nothing covered yet)"
    quota_note = f", within the class quota of {quota}" if balanced else ", filling places left by class quotas"
    return f"k-center pick {rank} of {count} candidates, {where}{quota_note if quota else ''}"
