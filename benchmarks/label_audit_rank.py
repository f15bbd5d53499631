"""Rankings of flagged boxes (the audit, FiftyOne mistakenness, random) and how many planted errors each finds.

A flag is a labelled box (image, line) or a predicted box where the labels have none. A planted
flip, shift or spurious box is found by a flag on its line; a deleted box by a flag of a predicted
box on that image at IoU >= 0.5 with the box that was deleted. The top x% of a ranking are its
first ceil(x * labelled boxes) flags (fewer when it flags fewer).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from tasks.audit.boxes import AuditImage, Corners, iou_matrix
from tasks.audit.label_issues import AuditFindings
from tasks.audit.mistakenness import Mistakenness

RIGHT_REASON = {"flip": "wrong_class", "shift": "misplaced", "delete": "missing", "spurious": "spurious"}


@dataclass(frozen=True)
class Flag:
    image: str
    line: int | None  # a labelled box; None: a predicted box where no label is
    xyxy: Corners | None
    score: float
    kind: str | None = None  # the audit's reason; None for the baselines


@dataclass(frozen=True)
class Target:
    """A planted error as the evaluation sees it: image key, line (flip, shift, spurious) or the deleted box."""

    kind: str
    image: str
    line: int | None
    removed: Corners | None


def audit_flags(findings: AuditFindings) -> list[Flag]:
    flags = [
        Flag(s.image, s.box, s.xyxy if s.box is None else None, s.priority, s.kind)
        for suspects in findings.suspects
        for s in suspects
    ]
    return sorted(flags, key=lambda f: -f.score)  # the audit's own ranking (priority)


def mistakenness_flags(images: list[AuditImage], mistakes: list[Mistakenness], seed: int) -> list[Flag]:
    """FiftyOne's own ranking: a matched box by max(class, location) mistakenness, an unmatched one
    (possible spurious) at 1, a possible missing prediction at its confidence; ties in a seeded order."""
    flags = []
    for image, m in zip(images, mistakes, strict=True):
        for b, box in enumerate(image.truth):
            if m.box_class[b] is not None:
                flags.append(Flag(image.key, box.line, None, max(m.box_class[b], m.box_location[b] or 0.0)))
            elif m.box_spurious[b]:
                flags.append(Flag(image.key, box.line, None, 1.0))
        for p, missing in zip(image.predictions, m.prediction_missing, strict=True):
            if missing:
                flags.append(Flag(image.key, None, p.xyxy, p.conf))
    rng = random.Random(f"mistakenness-ties-{seed}")  # not the planting's stream (same seed, same shuffles)
    order = {id(f): rng.random() for f in flags}
    return sorted(flags, key=lambda f: (-f.score, order[id(f)]))


def random_flags(images: list[AuditImage], findings: AuditFindings, seed: int) -> list[Flag]:
    """Every labelled box and every box the audit says is missing, in a seeded random order."""
    flags = [Flag(i.key, b.line, None, 0.0) for i in images for b in i.truth]
    flags += [f for f in audit_flags(findings) if f.line is None]
    random.Random(f"random-ranking-{seed}").shuffle(flags)  # not the planting's stream
    return flags


def found_by(flag: Flag, targets: list[Target], taken: set[int]) -> int | None:
    """The index of the (not yet found) planted error this flag finds, or None."""
    for t, target in enumerate(targets):
        if t in taken or target.image != flag.image:
            continue
        if flag.line is not None and target.line == flag.line:
            return t
        if flag.line is None and target.removed and iou_matrix([flag.xyxy], [target.removed])[0, 0] >= 0.5:
            return t
    return None


def evaluate(flags: list[Flag], targets: list[Target], boxes: int, share: float) -> dict:
    """Precision and recall (overall and per kind) of the planted errors in the top `share` of `flags`."""
    top = flags[: math.ceil(share * boxes)]
    taken: set[int] = set()
    hits = right = 0
    for flag in top:
        t = found_by(flag, targets, taken)
        if t is not None:
            taken.add(t)
            hits += 1
            right += flag.kind == RIGHT_REASON[targets[t].kind]
    kinds = sorted({t.kind for t in targets})
    per_kind = {
        k: sum(1 for t in taken if targets[t].kind == k) / max(1, sum(t.kind == k for t in targets)) for k in kinds
    }
    return {
        "flags": len(top),
        "precision": hits / len(top) if top else 0.0,
        "recall": len(taken) / max(1, len(targets)),
        "right_reason": right,
        "per_kind": per_kind,
    }
