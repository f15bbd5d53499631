"""Selection respects k, never picks an earlier round's image, suppresses near-duplicates, balances classes."""

from __future__ import annotations

import numpy as np

from tasks.mine.selection import Candidate, select_batch


def vectors(count: int, seed: int = 0) -> list[np.ndarray]:
    return list(np.random.default_rng(seed).normal(size=(count, 16)))


def pool(count: int, classes=("ring",)) -> tuple[list[Candidate], dict[str, np.ndarray]]:
    candidates = [Candidate(f"img{i:02d}", 1.0 - i / 100, classes[i % len(classes)]) for i in range(count)]
    return candidates, {c.image: v for c, v in zip(candidates, vectors(count), strict=True)}


def test_top_k_by_score_without_balance():
    candidates, embeddings = pool(10)
    chosen = select_batch(candidates[::-1], embeddings, 3, 0.99, False, set())
    assert [c.image for c in chosen] == ["img00", "img01", "img02"]
    assert [c.rank for c in chosen] == [1, 2, 3] and "score rank 1 of 10" in chosen[0].reason


def test_excludes_earlier_rounds():
    candidates, embeddings = pool(10)
    chosen = select_batch(candidates, embeddings, 3, 0.99, False, {"img00", "img02"})
    assert [c.image for c in chosen] == ["img01", "img03", "img04"]


def test_suppresses_near_duplicates_of_this_and_earlier_rounds():
    candidates, embeddings = pool(6)
    embeddings["img01"] = embeddings["img00"] * 2.0 + 1e-3  # same direction: cosine ~ 1
    embeddings["img03"] = embeddings["img05"].copy()  # duplicate of an image chosen in an earlier round
    chosen = select_batch(candidates, embeddings, 3, 0.95, False, {"img05"})
    assert [c.image for c in chosen] == ["img00", "img02", "img04"]


def test_class_balance_quota_then_fill():
    candidates = [Candidate(f"r{i}", 0.9 - i / 100, "ring") for i in range(5)] + [Candidate("s0", 0.1, "star")]
    embeddings = dict(zip([c.image for c in candidates], vectors(6), strict=True))
    chosen = select_batch(candidates, embeddings, 4, 0.99, True, set())
    assert [c.image for c in chosen] == ["r0", "r1", "s0", "r2"]  # quota ceil(4 / 2) = 2, then filled by score
    assert "filling places" in chosen[-1].reason


def test_never_more_than_k_or_than_candidates():
    candidates, embeddings = pool(4)
    assert len(select_batch(candidates, embeddings, 10, 0.99, True, set())) == 4
    assert len(select_batch(candidates, embeddings, 2, 0.99, True, set())) == 2


def test_images_off_the_shortlist_come_after_all_shortlisted_ones():
    candidates = [Candidate("a", 0.2, "ring"), Candidate("b", 0.9, "ring", tier=1), Candidate("c", 0.1, "ring")]
    embeddings = dict(zip("abc", vectors(3), strict=True))
    assert [c.image for c in select_batch(candidates, embeddings, 3, 0.99, False, set())] == ["a", "c", "b"]
