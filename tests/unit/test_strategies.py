"""Each selection strategy on hand-made scores and embeddings picks the images it should."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.core import MineParams
from tasks.mine import effective_rule, pick_random
from tasks.mine.kcenter import k_center_greedy
from tasks.mine.selection import Candidate
from tasks.mine.strategies import COLD_START_RULE, PoolPick, choose_batch

DIM = 8


def clusters(sizes: list[int], seed: int = 0, spread: float = 0.02) -> tuple[list[np.ndarray], list[int]]:
    """Tight clusters around orthogonal directions: vectors and the cluster of each."""
    rng = np.random.default_rng(seed)
    vectors, labels = [], []
    for cluster, size in enumerate(sizes):
        centre = np.eye(DIM)[cluster]
        vectors += [centre + spread * rng.normal(size=DIM) for _ in range(size)]
        labels += [cluster] * size
    return vectors, labels


def pool_of(vectors: list[np.ndarray], scores: list[float], classes: list[str] | None = None) -> PoolPick:
    keys = [f"img{i:02d}" for i in range(len(vectors))]
    classes = classes or ["ring"] * len(keys)
    candidates = [Candidate(k, s, c) for k, s, c in zip(keys, scores, classes, strict=True)]
    return PoolPick(candidates, dict(zip(keys, vectors, strict=True)), np.zeros((0, DIM)))


def section(**overrides) -> MineParams:
    return MineParams(**{"k": 3, "near_duplicate": 0.999, "class_balance": False, "cold_start": 0.1, **overrides})


def chosen_clusters(choices, labels: list[int]) -> list[int]:
    return sorted(labels[int(c.image[3:])] for c in choices)


def test_k_center_covers_separated_clusters_while_uncertainty_piles_into_one():
    vectors, labels = clusters([10, 3, 3])
    scores = [0.9 - i / 100 if label == 0 else 0.1 for i, label in enumerate(labels)]  # cluster 0 is the unsure one
    pool = pool_of(vectors, scores)
    rule, diverse = choose_batch("diversity", pool, section(), set(), 0.5, seed=0)
    assert rule == "diversity" and chosen_clusters(diverse, labels) == [0, 1, 2]
    assert all(c.rule == "diversity" and c.reason.startswith("k-center pick") for c in diverse)
    _, unsure = choose_batch("uncertainty", pool, section(), set(), 0.5, seed=0)
    assert chosen_clusters(unsure, labels) == [0, 0, 0]


def test_diversity_starts_from_what_is_labelled_already():
    vectors, labels = clusters([4, 4, 4, 4])
    covered = np.stack([np.eye(DIM)[0], np.eye(DIM)[1]])  # clusters 0 and 1 are labelled
    pool = pool_of(vectors, [0.5] * len(vectors))
    pool = PoolPick(pool.candidates, pool.embeddings, covered)
    _, choices = choose_batch("diversity", pool, section(k=2), set(), 0.5, seed=0)
    assert chosen_clusters(choices, labels) == [2, 3]


def test_hybrid_stays_inside_the_uncertainty_shortlist_and_spreads_there():
    vectors, labels = clusters([4, 4, 4])
    scores = [0.9, 0.89, 0.2, 0.2, 0.88, 0.87, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]  # top 4: two of 0, two of 1
    pool = pool_of(vectors, scores)
    rule, choices = choose_batch("hybrid", pool, section(k=2, shortlist=2), set(), 0.5, seed=0)
    shortlist = {"img00", "img01", "img04", "img05"}
    assert rule == "hybrid" and {c.image for c in choices} <= shortlist
    assert chosen_clusters(choices, labels) == [0, 1], "one from each cluster of the shortlist"
    assert all("uncertainty shortlist rank" in c.reason for c in choices)


def test_cold_start_switches_on_the_threshold():
    assert effective_rule("uncertainty", 0.099, 0.1)[0] == COLD_START_RULE
    assert effective_rule("uncertainty", 0.1, 0.1)[0] == "uncertainty"
    assert effective_rule("hybrid", None, 0.1)[0] == COLD_START_RULE, "a model with no recorded mAP counts as weak"
    assert effective_rule("hybrid", 0.0, 0.0)[0] == "hybrid", "cold_start 0 is off"
    assert effective_rule("random", 0.0, 0.1)[0] == "random", "the control arm never changes"
    vectors, labels = clusters([10, 3, 3])
    pool = pool_of(vectors, [0.9 if label == 0 else 0.1 for label in labels])
    rule, weak = choose_batch("uncertainty", pool, section(), set(), 0.05, seed=0)
    assert rule == COLD_START_RULE and chosen_clusters(weak, labels) == [0, 1, 2]
    assert all(c.rule == COLD_START_RULE and c.reason.startswith("cold start") for c in weak)
    rule, strong = choose_batch("uncertainty", pool, section(), set(), 0.15, seed=0)
    assert rule == "uncertainty" and chosen_clusters(strong, labels) == [0, 0, 0]


def test_diverse_picks_skip_near_duplicates_and_keep_class_quotas():
    vectors, labels = clusters([6, 6], spread=0.0)  # identical images inside each cluster
    classes = ["ring"] * 6 + ["star"] * 6
    pool = pool_of(vectors, [0.5] * 12, classes)
    _, choices = choose_batch("diversity", pool, section(k=4, near_duplicate=0.98), set(), 0.5, seed=0)
    assert chosen_clusters(choices, labels) == [0, 1], "the rest are duplicates of those two"
    spread, labels = clusters([6, 2, 2], spread=0.05)
    classes = ["ring"] * 6 + ["star"] * 4
    pool = pool_of(spread, [0.5] * 10, classes)
    _, balanced = choose_batch("diversity", pool, section(k=4, class_balance=True), set(), 0.5, seed=0)
    assert sorted(classes[int(c.image[3:])] for c in balanced) == ["ring", "ring", "star", "star"]


def test_no_strategy_picks_an_earlier_round_image():
    vectors, _ = clusters([3, 3, 3])
    pool = pool_of(vectors, [1.0 - i / 10 for i in range(9)])
    earlier = {"img00", "img03", "img06"}
    for strategy in ("random", "uncertainty", "diversity", "hybrid"):
        _, choices = choose_batch(strategy, pool, section(), earlier, 0.5, seed=3)
        assert len(choices) == 3 and not {c.image for c in choices} & earlier, strategy


def test_random_draw_is_reproducible_and_does_not_read_scores():
    keys = [f"k{i}" for i in range(20)]
    assert pick_random(keys, 5, 1, 1) == pick_random(keys[::-1], 5, 1, 1)
    assert pick_random(keys, 5, 1, 1) != pick_random(keys, 5, 1, 2)
    vectors, _ = clusters([10])
    low, high = pool_of(vectors, [0.0] * 10), pool_of(vectors, [1.0 - i / 10 for i in range(10)])
    picks = [[c.image for c in choose_batch("random", p, section(), set(), 0.5, seed=4)[1]] for p in (low, high)]
    assert picks[0] == picks[1]


def test_k_center_greedy_on_points_is_farthest_first():
    points = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.7, 0.71]])
    picks = k_center_greedy(points, 2, covered=np.array([[1.0, 0.0]]))
    assert [row for row, _ in picks] == [2, 1]  # opposite the covered point first, then the orthogonal one
    assert picks[0][1] == pytest.approx(2.0, abs=1e-5)
