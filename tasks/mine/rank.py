"""Rank the unlabelled pool and choose a batch: shared by the mine stage and the oracle loop.

The mining score of an image is its uncertainty (tasks/mine/uncertainty.py) plus
`uniqueness_weight` times its FiftyOne-brain uniqueness among the pool, computed from the
detector's own backbone embeddings. One scoring pass gives scores and embeddings; the strategy
of `mine.strategy` (tasks/mine/strategies.py) then picks up to k images from them, skipping
images chosen before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tasks.core import MineParams
from tasks.index import uniqueness
from tasks.mine.pool_scoring import Detector, ScoredImage, score_images
from tasks.mine.selection import Candidate, Choice
from tasks.mine.strategies import PoolPick, choose_batch


def centred(embeddings: list[np.ndarray], mean: np.ndarray | None = None) -> np.ndarray:
    """Backbone features are all positive after SiLU, so raw cosines sit near 1; centring on the pool
    mean makes cosine similarity tell images apart (near-duplicates stay near 1).

    `mean`: centre on this (the pool's mean, for the labelled images' embeddings) instead of their own.
    """
    matrix = np.stack(embeddings) if embeddings else np.zeros((0, 1 if mean is None else len(mean)))
    if not len(matrix):
        return matrix
    return matrix - (matrix.mean(axis=0) if mean is None else mean)[None]


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
    detector: Detector,
    images: dict[str, Path],
    section: MineParams,
    earlier: set[str],
    covered: list[np.ndarray] | None = None,
    seed: int = 0,
) -> tuple[dict[str, ScoredImage], dict[str, dict], list[Choice]]:
    """Score every pool image (key -> file), and choose up to `section.k` of them by `section.strategy`.

    `earlier` are keys never chosen again; `covered` are the backbone embeddings of the labelled
    training images (diverse picks start from them); `seed` seeds the random strategy.
    """
    scored = score_images(detector, list(images.values()), section, True)
    pool = dict(zip(images, scored, strict=True))
    raw = [image.embedding for image in scored]
    vectors = centred(raw)
    table = score_table(pool, uniqueness(images, vectors), section)
    candidates = [
        Candidate(k, row["mining_score"], row["dominant_class"], int(not row["shortlisted"]))
        for k, row in table.items()
    ]
    mean = np.stack(raw).mean(axis=0) if raw else None
    labelled = centred(list(covered or []), mean) if mean is not None else np.zeros((0, 1))
    picked = PoolPick(candidates, dict(zip(pool, vectors, strict=True)), labelled)
    _, choices = choose_batch(section.strategy, picked, section, earlier, detector.val_map50_95, seed)
    return pool, table, choices


def training_embeddings(scored: list[ScoredImage], split_dirs: dict[str, Path]) -> list[np.ndarray]:
    """Backbone embeddings of the images in the prepared train splits: what a diverse pick counts as covered."""
    train_dirs = [folder for split, folder in split_dirs.items() if split.endswith("train")]
    return [image.embedding for image in scored if any(folder in image.path.parents for folder in train_dirs)]
