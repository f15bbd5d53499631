"""How unsure a detector is about one image: three documented scores, each in [0, 1], class-aware.

Every score is first computed per detection, then averaged (or maxed) per predicted class,
and the image takes its worst class: one class the model is unsure about is enough to make an
image worth labelling, however sure it is of the others. Detections below `mine.conf` are
dropped before scoring (the caller does it), so the numbers do not drown in NMS debris.

- least confidence, per class c:  LC_c = max over detections of c of (1 - p)
- entropy, per class c:           H_c  = mean over detections of c of h(p),
  h(p) = -(p log p + (1 - p) log(1 - p)) / log 2   (binary entropy in bits, 1 at p = 0.5)
- consistency under augmentation (CALD-like), per class c: mean over the detections of c, of the
  original view and of every augmented view, of  u = 1 - IoU(b, b*) * min(p, p*) / max(p, p*),
  where b* is the same-class box of the other view (original <-> augmented) with the highest IoU;
  u = 1 when there is none. Both directions count, so a box that appears only under flip or scale
  is as suspicious as one that disappears.

An image with no detection at all scores LC = 1 (the model is sure of nothing), H = 0 and
consistency 0 when no view finds anything either. The combined score is the weighted mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Detections:
    """Boxes in one coordinate frame (x1, y1, x2, y2), with confidence and class id per row."""

    boxes: np.ndarray
    conf: np.ndarray
    cls: np.ndarray

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=int))

    def __len__(self) -> int:
        return len(self.conf)


@dataclass
class ImageScores:
    """The three scores of one image, their weighted mean, and the per-class values behind them."""

    least_confidence: float
    entropy: float
    consistency: float | None
    score: float
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    dominant_class: str | None = None
    shortlisted: bool = False  # whether the augmented views ran (tasks/mine/pool_scoring.py)


def binary_entropy(p: np.ndarray) -> np.ndarray:
    """h(p) in bits: 0 for a sure yes or no, 1 for a coin toss."""
    q = np.clip(p, 1e-12, 1 - 1e-12)
    return -(q * np.log(q) + (1 - q) * np.log(1 - q)) / math.log(2)


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of (n, 4) and (m, 4) xyxy boxes."""
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-12)


def disagreement(source: Detections, other: Detections) -> np.ndarray:
    """u per detection of `source`: 1 - IoU * confidence agreement with its best same-class box in `other`."""
    if not len(source):
        return np.zeros(0)
    if not len(other):
        return np.ones(len(source))
    iou = box_iou(source.boxes, other.boxes) * (source.cls[:, None] == other.cls[None, :])
    best = iou.argmax(axis=1)
    p, q = source.conf, other.conf[best]
    agreement = iou[np.arange(len(source)), best] * np.minimum(p, q) / np.maximum(np.maximum(p, q), 1e-12)
    return 1.0 - agreement


def _per_class(values: np.ndarray, classes: np.ndarray, names: list[str], reduce) -> dict[str, float]:
    return {names[int(c)]: float(reduce(values[classes == c])) for c in np.unique(classes)}


def score_image(
    original: Detections, views: list[Detections], names: list[str], weights: dict[str, float]
) -> ImageScores:
    """The three scores of one image (see the module docstring), from detections of its views."""
    lc = _per_class(1.0 - original.conf, original.cls, names, np.max)
    ent = _per_class(binary_entropy(original.conf), original.cls, names, np.mean)
    u_values, u_classes = [], []
    for view in views:
        u_values += [disagreement(original, view), disagreement(view, original)]
        u_classes += [original.cls, view.cls]
    u_all = np.concatenate(u_values) if u_values else np.zeros(0)
    cons = _per_class(u_all, np.concatenate(u_classes).astype(int), names, np.mean) if len(u_all) else {}
    per_class: dict[str, dict[str, float]] = {}
    for name in sorted(set(lc) | set(cons), key=names.index):
        row = {"least_confidence": lc.get(name, 0.0), "entropy": ent.get(name, 0.0), "consistency": cons.get(name, 0.0)}
        row["score"] = weighted(row, weights)
        per_class[name] = row
    totals = {
        "least_confidence": max(lc.values(), default=1.0),
        "entropy": max(ent.values(), default=0.0),
        "consistency": max(cons.values(), default=0.0),
    }
    dominant = max(per_class, key=lambda n: per_class[n]["score"]) if per_class else None
    return ImageScores(**totals, score=weighted(totals, weights), per_class=per_class, dominant_class=dominant)


def weighted(values: dict[str, float], weights: dict[str, float]) -> float:
    """The weighted mean of the three scores (weights from `mine.weights`)."""
    total = sum(weights.values())
    return sum(values[key] * weight for key, weight in weights.items()) / total
