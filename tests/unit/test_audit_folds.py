"""The audit's K folds: every labelled image held out exactly once, classes spread evenly, the same for a seed."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tasks.audit import assign_folds
from tasks.audit.folds import BACKGROUND, strata


def labelled_set(images: int, classes: int, seed: int = 1) -> dict[str, list[int]]:
    """Images with 0 to 3 boxes of skewed classes (class 0 common, the last one rare)."""
    rng = random.Random(seed)
    weights = [2.0**-c for c in range(classes)]
    return {f"img{i:03d}.jpg": rng.choices(range(classes), weights, k=rng.randint(0, 3)) for i in range(images)}


@pytest.mark.parametrize("folds", [3, 5])
def test_every_image_is_held_out_in_exactly_one_fold(folds):
    images = labelled_set(97, 4)
    assignment = assign_folds(images, folds, seed=0)
    assert set(assignment) == set(images)
    assert set(assignment.values()) == set(range(folds))
    sizes = Counter(assignment.values())
    assert max(sizes.values()) - min(sizes.values()) <= 1


@pytest.mark.parametrize("folds", [3, 5])
def test_each_class_stratum_is_spread_evenly_over_the_folds(folds):
    images = labelled_set(120, 4)
    assignment = assign_folds(images, folds, seed=3)
    by_stratum = strata(images)
    for stratum in set(by_stratum.values()):
        per_fold = Counter(assignment[k] for k, s in by_stratum.items() if s == stratum)
        counts = [per_fold.get(f, 0) for f in range(folds)]
        assert max(counts) - min(counts) <= 1, (stratum, counts)
    rare = max(c for classes in images.values() for c in classes)
    holding_rare = [k for k, classes in images.items() if rare in classes]
    assert len({assignment[k] for k in holding_rare}) == min(folds, len(holding_rare))


def test_the_rarest_class_decides_an_image_stratum():
    images = {"a": [0, 0, 1], "b": [0], "c": [0], "d": [], "e": [1, 2]}
    assert strata(images) == {"a": 1, "b": 0, "c": 0, "d": BACKGROUND, "e": 2}


def test_same_seed_same_folds_other_seed_other_folds():
    images = labelled_set(60, 3)
    assert assign_folds(images, 3, seed=7) == assign_folds(dict(reversed(list(images.items()))), 3, seed=7)
    assert assign_folds(images, 3, seed=7) != assign_folds(images, 3, seed=8)


def test_too_few_images_for_the_folds_is_an_error():
    with pytest.raises(ValueError, match="cannot make 3 folds"):
        assign_folds({"a": [0], "b": [1]}, 3, seed=0)
