"""Near-identical pictures: one photo re-encoded or resized, burst shots, consecutive frames of a video.

Two 64-bit hashes of each picture, and two pictures are near-identical when both are close:
the dHash (is each cell of a 9x8 thumbnail lighter than its left neighbour; `imports.near_duplicate_bits`, 4)
and the pHash (the signs of the 8x8 lowest frequencies of a 32x32 thumbnail's DCT against their median;
`imports.near_duplicate_phash_bits`, 12). Why both: the dHash of a picture with little texture is its light
gradient, so on neu-det (steel surfaces lit from one side) the dHash alone pairs 5,568 pictures of different
surfaces (23 have the hash 0) and chains 234 of them into one group. Their pHashes are mostly 18 or more bits
apart; 4 pairs are left at 12 bits, 3 of them the same surface photographed twice (inclusion_188 and
inclusion_210). Measured for the 12: re-saved, shrunk copies 0 to 6 bits apart, burst shots (playing-cards)
2 to 4, one blood smear refocused (bccd) 4, consecutive frames of a textured scene (tests/video_frames.py)
at most 12, different neu-det surfaces 12 (one pair), 14 and 16 (three), then 18 and up.

The search compares every dHash with every other (numpy, in blocks of rows: 1,800 pictures in about
30 ms, 100,000 in seconds); pHashes are only compared for the pairs the dHash finds, and computed
from the file where a manifest written before they existed lacks them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from tasks.data.source import SPLITS

SPLIT_ORDER = {split: index for index, split in enumerate(SPLITS)}
BLOCK = 1_000_000  # hash pairs compared at once (8 MB of uint64: a larger block costs more in fresh memory than it saves)
PHASH_SIDE = 32
_DCT8 = np.cos(np.pi * (2 * np.arange(PHASH_SIDE)[None, :] + 1) * np.arange(8)[:, None] / (2 * PHASH_SIDE))


@dataclass(frozen=True)
class NearRule:
    """How close two pictures' hashes must be to call them near-identical (imports.near_duplicate_*)."""

    dhash_bits: int
    phash_bits: int


def hash_thumbnail(image: Image.Image) -> Image.Image:
    """The grey picture both hashes start from: shrunk by a whole factor to a short side of 32 to 63 pixels (cheap,
    and the same hashes as from the full picture), made once per image for both."""
    if image.mode == "L" and min(image.size) < 2 * PHASH_SIDE:
        return image  # already one
    return image.reduce(max(1, min(image.size) // PHASH_SIDE)).convert("L")


def perceptual_hash(image: Image.Image) -> str:
    """64-bit pHash (the DCT hash of imagehash): stable under re-encoding, resizing and small motion."""
    pixels = np.asarray(hash_thumbnail(image).resize((PHASH_SIDE, PHASH_SIDE), Image.Resampling.BOX), np.float64)
    low = (_DCT8 @ pixels @ _DCT8.T).flatten()  # the 8x8 lowest frequencies
    median = np.partition(low[1:], 31)[31]  # of the 63 beside the mean (DC)
    return np.packbits(low > median).tobytes().hex()


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def close_pairs(hashes: Sequence[str], bits: int) -> np.ndarray:
    """Every pair (i < j) of hashes within `bits` bits, as rows of an (n, 2) array; empty hashes pair with none."""
    present = np.array([bool(h) for h in hashes], dtype=bool)
    values = np.array([int(h, 16) if h else 0 for h in hashes], dtype=np.uint64)
    step, found = max(1, BLOCK // max(len(values), 1)), [np.empty((0, 2), dtype=np.int64)]
    for start in range(0, len(values), step):
        distance = np.bitwise_count(values[start : start + step, None] ^ values[None, :])
        rows, cols = np.nonzero(distance <= bits)
        rows += start
        keep = (cols > rows) & present[rows] & present[cols]
        found.append(np.stack([rows[keep], cols[keep]], axis=1))
    return np.concatenate(found)


def near_pairs(dhashes: Sequence[str], phash_of: Callable[[int], str], rule: NearRule) -> list[tuple[int, int]]:
    """The pairs (i < j) whose dHashes and pHashes are both close; `phash_of(i)` is asked only for candidates."""
    candidates = close_pairs(dhashes, rule.dhash_bits)
    involved = np.unique(candidates)
    phashes = [phash_of(int(i)) for i in involved]
    known = np.array([bool(h) for h in phashes], dtype=bool)
    values = np.array([int(h, 16) if h else 0 for h in phashes], dtype=np.uint64)
    first, second = np.searchsorted(involved, candidates[:, 0]), np.searchsorted(involved, candidates[:, 1])
    close = (np.bitwise_count(values[first] ^ values[second]) <= rule.phash_bits) & known[first] & known[second]
    return [(int(a), int(b)) for a, b in candidates[close]]


def linked_groups(count: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
    """A group id per item: items joined by a chain of pairs share one (union-find; the id is the smallest index)."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        low, high = sorted((root(a), root(b)))
        parent[high] = low
    return [root(i) for i in range(count)]


def leaks_across(splits: Sequence[str], pairs: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Picture of a later split -> a near-identical picture of an earlier split that is no leak itself
    (train < val < test): the later one leaks, the earlier one is where it is already seen."""
    leaks: dict[int, int] = {}
    for a, b in sorted(pairs, key=lambda p: (max(SPLIT_ORDER[splits[p[0]]], SPLIT_ORDER[splits[p[1]]]), p)):
        if splits[a] == splits[b]:
            continue
        later, earlier = (a, b) if SPLIT_ORDER[splits[a]] > SPLIT_ORDER[splits[b]] else (b, a)
        leaks.setdefault(later, earlier)
    for later, earlier in leaks.items():
        while earlier in leaks:
            earlier = leaks[earlier]
        leaks[later] = earlier
    return leaks
