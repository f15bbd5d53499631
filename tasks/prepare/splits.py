"""Splits that keep a scene together, and the leaks between splits that stop prepare.

`prepare.resplit` draws groups, not pictures: a Roboflow photo's copies (their `group`), and chains of
near-identical pictures (consecutive frames of one scene, burst shots: tasks/data/near_duplicates.py)
each land in one split, by a number drawn from the seed and the group's key (the smallest key of its
members), so a group lands in the same split whatever order the datasets come in. Byte-identical
copies are kept once before this (tasks/prepare/merge.py).

Kept to the sources' splits, a val or test picture near-identical to (or the same as) one of an earlier
split leaks: it is left out (lenient) or stops prepare (strict). When more than `imports.max_leak_share`
of a val or test split leaks, what is left of it would say little about new pictures, so prepare
stops under either policy and names the fix: prepare.resplit.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from tasks.core import Finding, ImportParams, InputError, ResplitParams
from tasks.data import SPLITS, NearRule, linked_groups, near_pairs, perceptual_hash

if TYPE_CHECKING:
    from tasks.prepare.merge import MergedImage

SHOWN_LEAKS = 3


def unit_hash(seed: int, key: str) -> float:
    """A number in [0, 1) fixed by the seed and the key alone: the same picture always draws the same one."""
    return int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:12], 16) / 16**12


def _phash_from_file(file: Path) -> str:
    """For manifests written before they kept a pHash: the canonical copy is already upright 8-bit RGB."""
    with Image.open(file) as image:
        return perceptual_hash(image)


def near_identical(
    images: list[MergedImage], checks: ImportParams, phash_of_file: Callable[[Path], str] = _phash_from_file
) -> list[tuple[int, int]]:
    """Index pairs of near-identical pictures (none when imports.near_duplicates is off)."""
    if not checks.near_duplicates:
        return []
    rule = NearRule(checks.near_duplicate_bits, checks.near_duplicate_phash_bits)
    return near_pairs([i.dhash for i in images], lambda n: images[n].phash or phash_of_file(images[n].file), rule)


def scene_keys(images: list[MergedImage], pairs: list[tuple[int, int]]) -> list[str]:
    """Each picture's group key: pictures joined by a photo group or a chain of near-identical pairs share one."""
    own = [image.group or image.sha256 for image in images]
    first_of_group: dict[str, int] = {}
    links = [(first_of_group.setdefault(key, n), n) for n, key in enumerate(own)]
    roots = linked_groups(len(images), [*links, *pairs])
    smallest: dict[int, str] = {}
    for root, key in zip(roots, own, strict=True):
        smallest[root] = min(smallest.get(root, key), key)
    return [smallest[root] for root in roots]


def resplit(images: list[MergedImage], fractions: ResplitParams, seed: int, keys: list[str]) -> None:
    """Each group draws its split from (seed, key): same group, same seed, same split."""
    for image, key in zip(images, keys, strict=True):
        u = unit_hash(seed, key)
        image.split = "test" if u < fractions.test else "val" if u < fractions.test + fractions.val else "train"


def resplit_report(images: list[MergedImage], keys: list[str], fractions: ResplitParams) -> list[Finding]:
    """A note with the groups and pictures per split and the largest group; a warning when that group is larger
    than a val or test share (splits drawn by group then stray from the fractions)."""
    groups = {split: {k for i, k in zip(images, keys, strict=True) if i.split == split} for split in SPLITS}
    pictures = Counter(image.split for image in images)
    sizes = Counter(keys)
    largest, size = max(sizes.items(), key=lambda kv: (kv[1], kv[0])) if sizes else ("", 0)
    members = [i for i, k in zip(images, keys, strict=True) if k == largest]
    per_split = ", ".join(f"{s} {_count(len(groups[s]), 'group')} ({_count(pictures[s], 'picture')})" for s in SPLITS)
    largest_group = (
        f"the largest group: {size} pictures, {members[0].where} and {size - 1} more (copies of one photo, or "
        f"near-identical pictures), in {members[0].split}"
        if size > 1
        else "every group is one picture"
    )
    reason = (
        f"prepare.resplit drew {len(sizes)} groups, not {len(images)} pictures (copies of one photo and chains of "
        f"near-identical pictures stay together): {per_split}; {largest_group}"
    )
    findings = [Finding("params.yaml", None, reason, "note")]
    share = min((f for f in (fractions.val, fractions.test) if f > 0), default=0)
    if share and size > share * len(images):
        reason = (
            f"prepare.resplit: a group of {size} near-identical pictures ({members[0].where} and more) is larger than "
            f"a {share:g} share of the {len(images)} pictures: the split it lands in strays from prepare.resplit"
        )
        findings.append(Finding("params.yaml", None, reason, "warning"))
    return findings


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def leak_shares(images: list[MergedImage], leaked: list[MergedImage], resplit_on: bool) -> dict[str, tuple[int, int]]:
    """val and test: (pictures that leak, pictures the sources put there): near leaks (`leaked`, left out) and,
    kept to the sources' splits, byte-identical copies of a picture kept in an earlier split."""
    leaking = Counter(image.split for image in leaked)
    if not resplit_on:
        leaking += Counter(
            c.split
            for keeper in images
            for c in keeper.copies
            if c.sha256 == keeper.sha256 and c.source_split != keeper.source_split
        )
    total = Counter(image.split for image in images) + leaking
    return {split: (leaking[split], total[split]) for split in ("val", "test") if total[split]}


def stop_on_leak_share(
    shares: dict[str, tuple[int, int]], max_share: float, examples: list[tuple[MergedImage, MergedImage]]
) -> None:
    """An InputError (both policies) when a val or test split leaks more than `max_share`, with the fix."""
    over = {s: (n, total) for s, (n, total) in shares.items() if n / total > max_share}
    if not over:
        return
    lines = [
        f"prepare: {split}: {n} of its {total} pictures ({n / total:.0%}) leak: near-identical to, or the same as, "
        f"a picture of an earlier split; more than imports.max_leak_share ({max_share:g}), so its scores would "
        "say little about new pictures"
        for split, (n, total) in over.items()
    ]
    lines += [
        f"  {image.where} is near-identical to {seen.where} ({seen.split})"
        for image, seen in examples
        if image.split in over
    ][:SHOWN_LEAKS]
    lines.append(
        "  fix: set prepare.resplit in params.yaml (for example resplit: {val: 0.15, test: 0.15}): it draws groups, "
        "not pictures, so byte-identical copies, Roboflow's copies of one photo and chains of near-identical "
        "pictures (frames of one scene) each go to one split; or raise imports.max_leak_share to leave the "
        "leaking pictures out and go on"
    )
    raise InputError(lines)
