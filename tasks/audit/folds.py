"""The K folds of the labelled images: each image held out exactly once, classes spread evenly, seeded.

An image can hold several classes, so it is stratified by its rarest class (images without a
box form a stratum of their own): within each stratum the images are shuffled with the seed,
then dealt round the folds with one pointer that carries on from stratum to stratum. Each
stratum's images per fold then differ by at most one, and so do the fold sizes.
"""

from __future__ import annotations

import random
from collections import Counter

BACKGROUND = -1  # the stratum of images without a box


def strata(classes_per_image: dict[str, list[int]]) -> dict[str, int]:
    """Each image's stratum: its rarest class by images that hold it (ties: the lower id), or BACKGROUND."""
    holding = Counter(c for classes in classes_per_image.values() for c in set(classes))
    return {
        key: min(set(classes), key=lambda c: (holding[c], c)) if classes else BACKGROUND
        for key, classes in classes_per_image.items()
    }


def assign_folds(classes_per_image: dict[str, list[int]], folds: int, seed: int) -> dict[str, int]:
    """Image key -> fold in 0..folds-1; the same keys, classes and seed give the same folds."""
    if len(classes_per_image) < folds:
        raise ValueError(f"{len(classes_per_image)} labelled images cannot make {folds} folds")
    rng = random.Random(seed)
    by_stratum: dict[int, list[str]] = {}
    for key, stratum in sorted(strata(classes_per_image).items()):
        by_stratum.setdefault(stratum, []).append(key)
    assignment: dict[str, int] = {}
    pointer = 0
    for stratum in sorted(by_stratum):
        keys = by_stratum[stratum]
        rng.shuffle(keys)
        for key in keys:
            assignment[key] = pointer % folds
            pointer += 1
    return assignment
