"""How far two labellings of the same picture agree: boxes paired by class and IoU.

Two byte-identical images with different boxes are one picture labelled twice; which
labelling is right needs a person, and the finding has to say how far apart they are.
"""

from __future__ import annotations

from tasks.core import Label


def iou(a: Label, b: Label) -> float:
    """Intersection over union of two boxes in fractions of the image."""
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a.corners(), b.corners()
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def pair_boxes(first: list[Label], second: list[Label]) -> tuple[list[float], int, int]:
    """Greedy pairs of the same class, best IoU first: their IoUs, and the boxes left over on each side."""
    candidates = sorted(
        ((iou(a, b), i, j) for i, a in enumerate(first) for j, b in enumerate(second) if a.cls == b.cls),
        reverse=True,
    )
    used_first, used_second, ious = set(), set(), []
    for value, i, j in candidates:
        if value > 0 and i not in used_first and j not in used_second:
            used_first.add(i)
            used_second.add(j)
            ious.append(value)
    return ious, len(first) - len(used_first), len(second) - len(used_second)


def describe_disagreement(first: list[Label], second: list[Label], names: list[str]) -> str:
    """'3 vs 3 boxes; IoU of the paired boxes 0.87, 0.91, 0.95' (and what no box pairs with)."""
    ious, only_first, only_second = pair_boxes(first, second)
    parts = [f"{len(first)} vs {len(second)} boxes"]
    if ious:
        parts.append("IoU of the paired boxes " + ", ".join(f"{v:.2f}" for v in sorted(ious)[:8]))
    if only_first or only_second:
        parts.append(f"unpaired: {only_first} in the first, {only_second} in the second")
    classes = sorted({names[b.cls] for b in first + second if b.cls < len(names)})
    return "; ".join(parts) + (f" (classes {', '.join(classes)})" if classes else "")
