"""Pick a relabel batch: the top k by score, no near-duplicates, no image twice, classes in balance.

Greedy, in score order, so every choice can be explained in one line of the manifest:
- images off the consistency shortlist (tier 1, see tasks/mine/pool_scoring.py) come after all others;
- an image chosen in an earlier round is never a candidate again;
- an image whose backbone embedding has cosine similarity >= `near_duplicate` with an image
  already chosen (in this round or an earlier one) is skipped as a near-duplicate;
- with class balance on, each dominant class (the class the image is most unsure about) gets
  at most ceil(k / classes) places in a first pass; places left over are filled in score order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Candidate:
    image: str
    score: float
    dominant_class: str | None
    tier: int = 0  # 0: fully scored; 1: scored without the augmented views, ranked after every tier-0 image


@dataclass(frozen=True)
class Choice:
    image: str
    rank: int
    score: float
    reason: str
    rule: str = "uncertainty"  # the rule that chose it (tasks/mine/strategies.py), written into the manifest


def class_quota(k: int, classes: int, class_balance: bool) -> int:
    """Places per dominant class in the balanced pass: ceil(k / classes), or all k without balance."""
    return math.ceil(k / max(classes, 1)) if class_balance else k


def normalised(embeddings: np.ndarray) -> np.ndarray:
    return embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)


def select_batch(
    candidates: list[Candidate],
    embeddings: dict[str, np.ndarray],
    k: int,
    near_duplicate: float,
    class_balance: bool,
    earlier: set[str],
) -> list[Choice]:
    """Up to k choices from `candidates` (any order); `earlier` are images chosen in past rounds."""
    ranked = sorted((c for c in candidates if c.image not in earlier), key=lambda c: (c.tier, -c.score, c.image))
    kept = [embeddings[i] for i in sorted(earlier) if i in embeddings]
    classes = {c.dominant_class for c in ranked}
    quota = class_quota(k, len(classes), class_balance)
    chosen: list[Choice] = []
    taken: dict[str | None, int] = {}
    for balanced_pass in (True, False) if class_balance else (False,):
        for position, candidate in enumerate(ranked):
            if len(chosen) == k:
                return chosen
            if any(c.image == candidate.image for c in chosen):
                continue
            if balanced_pass and taken.get(candidate.dominant_class, 0) >= quota:
                continue
            vector = embeddings[candidate.image]
            if kept and float(np.max(normalised(np.stack(kept)) @ normalised(vector[None])[0])) >= near_duplicate:
                continue
            kept.append(vector)
            taken[candidate.dominant_class] = taken.get(candidate.dominant_class, 0) + 1
            why = f"score rank {position + 1} of {len(ranked)} (score {candidate.score:.4f})"
            why += (
                f", unsure most about class {candidate.dominant_class}"
                if candidate.dominant_class
                else ", no detection"
            )
            why += f", within the class quota of {quota}" if balanced_pass else ", filling places left by class quotas"
            chosen.append(Choice(candidate.image, len(chosen) + 1, candidate.score, why))
    return chosen
