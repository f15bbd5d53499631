"""cleanlab's object-detection scores (ObjectLab) of each labelled box, predicted box and image.

Per labelled box: `swap` (low: the class is probably wrong) and `badloc` (low: the box is badly
located); per predicted box: `overlooked` (low: an object the labels miss; NaN for a prediction
below the confidence threshold or overlapping a labelled box). Per image: cleanlab's label
quality score (0 dirty .. 1 clean) and its `find_label_issues` verdict, both with cleanlab's own
defaults. The box scores use `confident` as cleanlab's probability thresholds (see AuditParams).
"""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from tasks.audit.boxes import AuditImage


@dataclass
class CleanlabScores:
    swap: np.ndarray  # per labelled box, in the image's order
    badloc: np.ndarray  # per labelled box
    overlooked: np.ndarray  # per prediction, in the image's order
    quality: float
    issue: bool


def cleanlab_inputs(images: list[AuditImage], classes: int) -> tuple[list[dict], list[list[np.ndarray]], list]:
    """cleanlab's `labels` and `predictions` (per class: (M, 5) x1 y1 x2 y2 p), and each image's prediction order.

    cleanlab flattens the per-class arrays class by class, so `orders[i]` lists, in that flat order,
    the index of each prediction in `images[i].predictions`.
    """
    labels, predictions, orders = [], [], []
    for image in images:
        boxes = np.asarray([b.xyxy for b in image.truth], float).reshape(-1, 4)
        labels.append({"bboxes": boxes, "labels": np.asarray([b.cls for b in image.truth], int)})
        per_class, order = [], []
        for cls in range(classes):
            members = [i for i, p in enumerate(image.predictions) if p.cls == cls]
            rows = [[*image.predictions[i].xyxy, image.predictions[i].conf] for i in members]
            per_class.append(np.asarray(rows, float).reshape(-1, 5))
            order += members
        predictions.append(per_class)
        orders.append(order)
    return labels, predictions, orders


def in_image_order(flat: np.ndarray, order: list[int]) -> np.ndarray:
    result = np.full(len(order), np.nan)
    result[order] = flat
    return result


@contextmanager
def default_sigterm() -> Iterator[None]:
    """`find_label_issues` forks a process pool and ends it with SIGTERM; a worker forked under Prefect's
    SIGTERM handler would raise and print a traceback instead of ending quietly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cleanlab_scores(images: list[AuditImage], classes: int, confident: float) -> list[CleanlabScores]:
    """The scores of every image; `classes` is the size of the audited class list."""
    from cleanlab.object_detection import filter as cl_filter
    from cleanlab.object_detection import rank as cl_rank

    labels, predictions, orders = cleanlab_inputs(images, classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty images make numpy warn about means of nothing
        swap = cl_rank.compute_swap_box_scores(
            labels=labels, predictions=predictions, high_probability_threshold=confident
        )
        badloc = cl_rank.compute_badloc_box_scores(
            labels=labels, predictions=predictions, low_probability_threshold=confident
        )
        overlooked = cl_rank.compute_overlooked_box_scores(
            labels=labels, predictions=predictions, high_probability_threshold=confident
        )
        quality = cl_rank.get_label_quality_scores(labels, predictions, verbose=False)
        with default_sigterm():
            issues = cl_filter.find_label_issues(labels, predictions)
    return [
        CleanlabScores(
            np.asarray(swap[i], float),
            np.asarray(badloc[i], float),
            in_image_order(np.asarray(overlooked[i], float), orders[i]),
            float(quality[i]),
            bool(issues[i]),
        )
        for i in range(len(images))
    ]
