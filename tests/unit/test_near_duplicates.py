"""Near-identical pictures (tasks/data/near_duplicates.py): what the two hashes call near-identical, and what not.

neu-det's lesson, in miniature: different textures under one light gradient share a dHash (the gradient), so the
dHash alone would call them near-identical; their pHashes tell them apart. A re-saved, shrunk copy stays near.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tasks.data import near_duplicates
from tasks.data.image_check import difference_hash
from tasks.data.near_duplicates import (
    NearRule,
    close_pairs,
    hamming,
    leaks_across,
    linked_groups,
    near_pairs,
    perceptual_hash,
)

RULE = NearRule(dhash_bits=4, phash_bits=12)


def lit_texture(seed: int, side: int = 200) -> Image.Image:
    """A grey steel-like texture lit from the left: the light falls off far more than the texture varies."""
    rng = np.random.default_rng(seed)
    light = np.linspace(170, 60, side)[None, :].repeat(side, axis=0)
    texture = np.asarray(
        Image.fromarray(rng.integers(0, 255, (side // 8, side // 8), dtype=np.uint8)).resize(
            (side, side), Image.Resampling.BICUBIC
        ),
        dtype=np.float64,
    )
    return Image.fromarray(np.clip(light + (texture - 128) * 0.15, 0, 255).astype(np.uint8)).convert("RGB")


def resaved(image: Image.Image) -> Image.Image:
    data = io.BytesIO()
    image.resize((image.width * 2 // 3, image.height * 2 // 3)).save(data, "JPEG", quality=60)
    return Image.open(io.BytesIO(data.getvalue()))


def test_textures_under_one_light_share_a_dhash_but_are_not_near_identical():
    pictures = [lit_texture(seed) for seed in range(6)]
    dhashes, phashes = [difference_hash(p) for p in pictures], [perceptual_hash(p) for p in pictures]
    assert len(close_pairs(dhashes, RULE.dhash_bits)) == 15  # the dHash alone: every pair
    assert near_pairs(dhashes, lambda n: phashes[n], RULE) == []
    assert min(hamming(a, b) for i, a in enumerate(phashes) for b in phashes[i + 1 :]) > RULE.phash_bits


def test_a_resaved_copy_is_near_identical():
    picture = lit_texture(0)
    copy = resaved(picture)
    dhashes, phashes = (
        [difference_hash(picture), difference_hash(copy)],
        [perceptual_hash(picture), perceptual_hash(copy)],
    )
    assert near_pairs(dhashes, lambda n: phashes[n], RULE) == [(0, 1)]


def test_pairs_are_the_same_in_blocks(monkeypatch):
    rng = np.random.default_rng(0)
    hashes = [f"{int(v):016x}" for v in rng.integers(0, 2**63, 300, dtype=np.int64)]
    hashes += [f"{int(h, 16) ^ 0b1011:016x}" for h in hashes[:40]] + [""]  # 40 pairs three bits apart, one blank
    whole = {tuple(p) for p in close_pairs(hashes, 4)}
    monkeypatch.setattr(near_duplicates, "BLOCK", 700)  # two rows at a time
    assert {tuple(p) for p in close_pairs(hashes, 4)} == whole
    assert {(i, 300 + i) for i in range(40)} <= whole and all(341 not in p for p in whole)


def test_chains_and_leaks():
    assert linked_groups(6, [(0, 1), (1, 2), (4, 5)]) == [0, 0, 0, 3, 4, 4]
    splits = ["train", "val", "test", "test", "val"]
    # val 1 is near train 0; test 2 near val 1 (itself a leak): it is seen in train 0; test 3 near val 4 (no leak)
    assert leaks_across(splits, [(1, 2), (0, 1), (3, 4)]) == {1: 0, 2: 0, 3: 4}
