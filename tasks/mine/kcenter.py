"""K-center greedy (farthest-first traversal) over image embeddings, in float32 numpy.

Each pick is the candidate farthest from everything already covered (the labelled images,
earlier picks, this round's picks), so a batch spreads over the parts of the embedding
space the training set does not reach yet (Sener & Savarese, "core-set" selection). Points
are unit vectors, so the squared distance is 2 - 2 cos and one pick costs one matrix-vector
product over the pool, read from memory once (`python -m benchmarks.diverse_pick` times it).

Eligibility (class quotas, near-duplicates) is decided by the caller through `allowed`, a
mask it may change after each pick, so the same loop serves every strategy.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

CHUNK_ROWS = 8192  # rows of the pool per block when measuring distances to the covered set


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1, float32 (a zero row stays zero)."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, np.float32(1e-12))


def distances_to_covered(points: np.ndarray, covered: np.ndarray, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """Squared distance of each unit row of `points` to its nearest unit row of `covered` (inf if none).

    Blocks of `chunk_rows` pool rows keep the (block x covered) product small whatever the sizes.
    """
    nearest = np.full(len(points), np.inf, dtype=np.float32)
    if len(covered) == 0:
        return nearest
    for start in range(0, len(points), chunk_rows):
        block = points[start : start + chunk_rows] @ covered.T
        nearest[start : start + chunk_rows] = np.maximum(2.0 - 2.0 * block.max(axis=1), 0.0)
    return nearest


def first_pick_without_coverage(points: np.ndarray, allowed: np.ndarray) -> int:
    """With nothing covered, start at the most typical allowed point (nearest the mean direction), not an outlier."""
    typical = points @ unit_rows(points.mean(axis=0, keepdims=True))[0]
    return int(np.argmax(np.where(allowed, typical, -np.inf)))


def k_center_greedy(
    points: np.ndarray,
    k: int,
    covered: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    after_pick: Callable[[int, np.ndarray], None] | None = None,
    min_distance: float = 0.0,
) -> list[tuple[int, float]]:
    """Up to k (row index, distance to the nearest covered point when picked) of `points`, farthest-first.

    `covered` are embeddings already in the training set (their rows are never picked). `allowed`
    marks the rows that may be picked; `after_pick(row, allowed)` may update it in place. A row
    within `min_distance` (Euclidean, on unit vectors) of a covered or picked point is never
    picked; when no allowed row is farther than that, fewer than k come back.
    """
    points = unit_rows(points)
    allowed = np.ones(len(points), dtype=bool) if allowed is None else allowed
    covered_rows = unit_rows(covered) if covered is not None and len(covered) else np.zeros((0, points.shape[1]))
    nearest = distances_to_covered(points, covered_rows.astype(np.float32))
    floor = np.float32(min_distance**2)
    picks: list[tuple[int, float]] = []
    while len(picks) < k:
        if np.isinf(nearest).all():
            if not allowed.any():
                break
            row = first_pick_without_coverage(points, allowed)
        else:
            gaps = np.where(allowed & (nearest > floor), nearest, -np.inf)
            row = int(np.argmax(gaps))
            if not np.isfinite(gaps[row]):
                break
        picks.append((row, float(np.sqrt(nearest[row])) if np.isfinite(nearest[row]) else float("inf")))
        allowed[row] = False
        nearest = np.minimum(nearest, np.maximum(2.0 - 2.0 * (points @ points[row]), 0.0))
        if after_pick:
            after_pick(row, allowed)
    return picks
