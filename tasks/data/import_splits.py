"""What an import says about its splits: each declared split's images found and imported, and leaks across them.

A split the source declares (a yaml key, a VOC listing, a COCO file, a folder) that imports no image is
an error under both policies (exit 2, nothing written): lenient sets files aside, never a whole split,
so a yaml whose paths miss their folders cannot import one split of three and exit 0. A split may be
empty only where `imports.optional_splits` names it.

Near-identical pictures in two splits (tasks/data/near_duplicates.py: a photo re-saved, burst shots,
frames of one video split at random) are a warning per picture and one line with the share of each
val and test split that leaks; the import keeps them (the pictures are sound, their split is not), and
prepare stops above `imports.max_leak_share` unless `prepare.resplit` draws the splits again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tasks.core import Finding, ImportParams, InputError
from tasks.data.near_duplicates import NearRule, hamming, leaks_across, linked_groups, near_pairs
from tasks.data.source import SPLITS, SourceDataset
from tasks.data.validate_import import CheckedImage


@dataclass(frozen=True)
class SplitCount:
    split: str
    declared: str  # what names it: a yaml key and its path, a listing, a COCO file, a folder name
    found: int  # images the source holds for it
    imported: int  # of those, the ones the copy keeps (not quarantined, not a copy of one kept)


def count_splits(dataset: SourceDataset, checked: list[CheckedImage]) -> list[SplitCount]:
    found = Counter(image.item.split for image in checked)
    imported = Counter(image.item.split for image in checked if image.ok and image.duplicate_of is None)
    return [SplitCount(s, named, found[s], imported[s]) for s, named in dataset.declared_splits().items()]


def splits_line(counts: list[SplitCount]) -> str:
    """'splits (images found -> imported): train 251 -> 251, val 40 -> 38, test 0 -> 0'."""
    return "splits (images found -> imported): " + ", ".join(f"{c.split} {c.found} -> {c.imported}" for c in counts)


def require_declared_splits(
    checked: list[CheckedImage], dataset: SourceDataset, params: ImportParams, source: Path
) -> list[Finding]:
    """An InputError for each declared split that imports no image; a warning for those `optional_splits` allows."""
    counts = count_splits(dataset, checked)
    empty = [c for c in counts if c.imported == 0]
    allowed = [c for c in empty if c.split in params.optional_splits]
    stopping = [c for c in empty if c.split not in params.optional_splits]
    if stopping:
        why = {c.split: _why_empty(c, dataset) for c in stopping}
        rejected = [f"    {f}" for c in stopping for f in _first_errors(checked, c.split)]
        raise InputError(
            [
                f"{source}: {c.split}: declared ({c.declared}) but no image of it can be imported: {why[c.split]}"
                for c in stopping
            ]
            + rejected
            + [
                f"  {splits_line(counts)}",
                "  a split the source declares must import at least one image (lenient sets files aside, never a "
                "whole split); nothing was written. Fix the path, or, if the dataset really has no "
                + " or ".join(c.split for c in stopping)
                + " split, name it in imports.optional_splits in params.yaml: "
                + f"[{', '.join(sorted({*params.optional_splits, *(c.split for c in stopping)}))}]",
            ]
        )
    optional = {c.split for c in allowed}
    dataset.findings[:] = [_as_warning(f) if _about_split(f, optional) else f for f in dataset.findings]
    return [
        Finding(
            str(dataset.root),
            None,
            f"{c.split}: declared ({c.declared}) but imports no image; allowed by imports.optional_splits",
            "warning",
        )
        for c in allowed
    ]


def _about_split(finding: Finding, splits: set[str]) -> bool:
    return finding.severity == "error" and finding.reason.split(":")[0] in splits


def _as_warning(finding: Finding) -> Finding:
    """A missing folder of a split the user allows to be empty is no error: strict goes on past it."""
    return Finding(finding.path, finding.line, finding.reason, "warning")


def _first_errors(checked: list[CheckedImage], split: str, shown: int = 3) -> list[Finding]:
    found = [f for image in checked if image.item.split == split for f in image.findings if f.severity == "error"]
    return found[:shown]


def _why_empty(count: SplitCount, dataset: SourceDataset) -> str:
    """The findings of the split's source files, else the findings about the dataset that name the split."""
    if count.found:
        return f"all {count.found} images were rejected or are copies of images kept elsewhere, for example:"
    about = [
        f"{Path(f.path).name}: {f.reason.removeprefix(f'{count.split}: ')}"
        if f.path.endswith(count.declared)
        else f.reason.removeprefix(f"{count.split}: ")
        for f in dataset.findings
        if f.severity != "note" and (f.reason.startswith(f"{count.split}:") or f.path.endswith(count.declared))
    ]
    return "; ".join(about) or "no image found for it"


def near_leak_findings(checked: list[CheckedImage], params: ImportParams, where: str) -> list[Finding]:
    """A warning per picture near-identical to one of an earlier split, and one line on the shares and chains."""
    if not params.near_duplicates:
        return []
    kept = [image for image in checked if image.ok and image.duplicate_of is None]
    rule = NearRule(params.near_duplicate_bits, params.near_duplicate_phash_bits)
    pairs = near_pairs([i.check.dhash for i in kept], lambda n: kept[n].check.phash, rule)
    pairs = [(a, b) for a, b in pairs if not (kept[a].item.group and kept[a].item.group == kept[b].item.group)]
    leaks = leaks_across([i.item.split for i in kept], pairs)
    findings = [_leak_finding(kept[later], kept[earlier]) for later, earlier in sorted(leaks.items())]
    return [*findings, _near_summary(kept, pairs, leaks, params, where)]


def _leak_finding(image: CheckedImage, seen: CheckedImage) -> Finding:
    apart = (
        f"dHash {hamming(image.check.dhash, seen.check.dhash)}, pHash {hamming(image.check.phash, seen.check.phash)}"
    )
    reason = (
        f"near-identical to {seen.item.name} ({seen.item.split}; {apart} bits apart): a leak into {image.item.split}"
    )
    return Finding(str(image.item.image), None, reason, "warning")


def _near_summary(
    kept: list[CheckedImage], pairs: list[tuple[int, int]], leaks: dict[int, int], params: ImportParams, where: str
) -> Finding:
    sizes = Counter(linked_groups(len(kept), pairs)).values()
    chains = [size for size in sizes if size > 1]
    rule = f"dHash within {params.near_duplicate_bits} bits and pHash within {params.near_duplicate_phash_bits}"
    within = (
        f"near-identical pictures ({rule}): {len(pairs)} pair{'s' * (len(pairs) != 1)} in {len(chains)} "
        f"group{'s' * (len(chains) != 1)}, the largest of {max(chains)} pictures"
        if chains
        else f"no near-identical pictures ({rule})"
    )
    per_split = Counter(kept[later].item.split for later in leaks)
    totals = Counter(image.item.split for image in kept)
    if not per_split:
        return Finding(where, None, f"{within}; none in two splits", "note")
    leaking = [s for s in SPLITS if per_split[s]]
    shares = ", ".join(f"{s} {per_split[s]} of {totals[s]} ({per_split[s] / totals[s]:.0%})" for s in leaking)
    over = [s for s in leaking if per_split[s] / totals[s] > params.max_leak_share]
    reason = (
        f"{within}; pictures near-identical to one of an earlier split: {shares}: scores on them would be "
        "inflated. "
        + (
            f"prepare stops on {', '.join(over)} (over imports.max_leak_share {params.max_leak_share:g}) "
            "unless prepare.resplit draws the splits again, keeping near-identical pictures together"
            if over
            else "prepare leaves them out, or prepare.resplit keeps near-identical pictures together"
        )
    )
    return Finding(where, None, reason, "warning")
