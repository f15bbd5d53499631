"""Rank the unlabelled pool and choose a batch: shared by the mine stage and the oracle loop.

The mining score of an image is its uncertainty (tasks/mine/uncertainty.py) plus
`uniqueness_weight` times its FiftyOne-brain uniqueness among the pool, computed from the
detector's own backbone embeddings; selection (tasks/mine/selection.py) then takes the top k
with near-duplicate suppression and class balance, skipping images chosen before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tasks.core.schema_mine import MineParams
from tasks.mine.fiftyone_index import uniqueness
from tasks.mine.pool_scoring import Detector, ScoredImage, score_images
from tasks.mine.selection import Candidate, Choice, select_batch


def centred(embeddings: list[np.ndarray]) -> np.ndarray:
    """Backbone features are all positive after SiLU, so raw cosines sit near 1; centring on the pool
    mean makes cosine similarity tell images apart (near-duplicates stay near 1)."""
    matrix = np.stack(embeddings) if embeddings else np.zeros((0, 1))
    return matrix - matrix.mean(axis=0, keepdims=True) if len(matrix) else matrix


def score_table(pool: dict[str, ScoredImage], unique: dict[str, float], section: MineParams) -> dict[str, dict]:
    """Per pool image (by key): the three scores, their mean (`uncertainty`), uniqueness, and the `mining_score`."""
    table = {}
    for key, image in pool.items():
        scores = image.scores
        table[key] = {
            "least_confidence": scores.least_confidence,
            "entropy": scores.entropy,
            "consistency": scores.consistency,
            "uncertainty": scores.score,
            "uniqueness": unique[key],
            "mining_score": scores.score + section.uniqueness_weight * unique[key],
            "dominant_class": scores.dominant_class,
            "shortlisted": scores.shortlisted,
            "per_class": scores.per_class,
        }
    return table


def rank_pool(
    detector: Detector, images: dict[str, Path], section: MineParams, earlier: set[str]
) -> tuple[dict[str, ScoredImage], dict[str, dict], list[Choice]]:
    """Score every pool image (key -> file) and choose up to `section.k`; `earlier` holds keys never chosen again."""
    scored = score_images(detector, list(images.values()), section, True)
    pool = dict(zip(images, scored, strict=True))
    vectors = centred([image.embedding for image in scored])
    table = score_table(pool, uniqueness(images, vectors), section)
    candidates = [
        Candidate(k, row["mining_score"], row["dominant_class"], int(not row["shortlisted"]))
        for k, row in table.items()
    ]
    embeddings = dict(zip(pool, vectors, strict=True))
    choices = select_batch(candidates, embeddings, section.k, section.near_duplicate, section.class_balance, earlier)
    return pool, table, choices
