"""Boxes as the audit sees them: pixel corners (x1, y1, x2, y2), labelled ones and predicted ones, per image."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tasks.core import label_path, read_labels, top_left_box

Corners = tuple[float, float, float, float]


@dataclass(frozen=True)
class Box:
    """A labelled box: class id (the audited class list), pixel corners, and its line in the label file."""

    cls: int
    xyxy: Corners
    line: int = -1


@dataclass(frozen=True)
class Prediction:
    """A detection of a model that never saw the image: class id, confidence, pixel corners."""

    cls: int
    conf: float
    xyxy: Corners


@dataclass
class AuditImage:
    """One labelled image: its key (the prepared path), size, labels, fold and out-of-fold predictions."""

    key: str
    width: int
    height: int
    truth: list[Box]
    predictions: list[Prediction] = field(default_factory=list)
    fold: int = -1
    path: Path | None = None  # the image file (the key is its name from the project root); None: made in memory


def truth_boxes(image: Path, width: int, height: int, remap: dict[int, int] | None = None) -> list[Box]:
    """The boxes of `image`'s label file, in the file's order; `remap`: file id -> audited id (others are left out)."""
    rows = enumerate(read_labels(label_path(image)))
    return [
        Box(remap[r.cls] if remap is not None else r.cls, r.corners(width, height), line)
        for line, r in rows
        if remap is None or r.cls in remap
    ]


def iou_matrix(first: list[Corners], second: list[Corners]) -> np.ndarray:
    """IoU of every box of `first` with every box of `second`, shape (len(first), len(second))."""
    if not first or not second:
        return np.zeros((len(first), len(second)))
    a, b = np.asarray(first, float)[:, None, :], np.asarray(second, float)[None, :, :]
    width = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    height = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = width * height
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


def normalised_row(xyxy: Corners, width: int, height: int) -> list[float]:
    """[x_top_left, y_top_left, w, h] as fractions of the image (FiftyOne's and the reports' box format)."""
    return [round(value, 6) for value in top_left_box(*xyxy, width, height)]
