"""Uncertainty scores on hand-made predictions match the formulas documented in tasks/mine/uncertainty.py."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tasks.mine.uncertainty import Detections, binary_entropy, box_iou, disagreement, score_image

NAMES = ["ring", "cross", "star"]
EQUAL = {"least_confidence": 1.0, "entropy": 1.0, "consistency": 1.0}


def dets(*rows: tuple) -> Detections:
    """rows of (x1, y1, x2, y2, conf, cls)."""
    if not rows:
        return Detections.empty()
    array = np.array(rows, dtype=float)
    return Detections(array[:, :4], array[:, 4], array[:, 5].astype(int))


def h(p: float) -> float:
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def test_binary_entropy_and_iou_by_hand():
    assert binary_entropy(np.array([0.5]))[0] == pytest.approx(1.0)
    assert binary_entropy(np.array([0.9]))[0] == pytest.approx(h(0.9))
    iou = box_iou(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 15, 10], [20, 20, 30, 30]]))
    assert iou[0, 0] == pytest.approx(50 / 150) and iou[0, 1] == 0


def test_least_confidence_and_entropy_per_class_then_worst_class():
    original = dets((0, 0, 10, 10, 0.9, 0), (20, 20, 30, 30, 0.6, 0), (40, 40, 50, 50, 0.8, 1))
    scores = score_image(original, [], NAMES, EQUAL)
    assert scores.per_class["ring"]["least_confidence"] == pytest.approx(0.4)  # max(1 - 0.9, 1 - 0.6)
    assert scores.per_class["cross"]["least_confidence"] == pytest.approx(0.2)
    assert scores.least_confidence == pytest.approx(0.4)
    assert scores.per_class["ring"]["entropy"] == pytest.approx((h(0.9) + h(0.6)) / 2)
    assert scores.entropy == pytest.approx(max((h(0.9) + h(0.6)) / 2, h(0.8)))
    assert scores.consistency == 0.0 and "star" not in scores.per_class


def test_consistency_counts_both_directions_with_iou_and_confidence_agreement():
    original = dets((0, 0, 10, 10, 0.8, 0))
    flipped = dets((5, 0, 15, 10, 0.4, 0), (50, 50, 60, 60, 0.9, 1))  # shifted ring; a cross only here
    scores = score_image(original, [flipped], NAMES, EQUAL)
    u_ring = 1 - (50 / 150) * (0.4 / 0.8)
    assert disagreement(original, flipped)[0] == pytest.approx(u_ring)
    assert scores.per_class["ring"]["consistency"] == pytest.approx(u_ring)  # both directions give u_ring
    assert scores.per_class["cross"]["consistency"] == pytest.approx(1.0)  # nothing to match in the original
    assert scores.consistency == pytest.approx(1.0)
    ring = (0.2 + h(0.8) + u_ring) / 3  # the class with the highest weighted mean is the dominant one
    assert scores.per_class["ring"]["score"] == pytest.approx(ring) and ring > 1 / 3
    assert scores.per_class["cross"]["score"] == pytest.approx(1 / 3)
    assert scores.dominant_class == "ring"


def test_a_box_of_another_class_is_no_match():
    assert disagreement(dets((0, 0, 10, 10, 0.9, 0)), dets((0, 0, 10, 10, 0.9, 1)))[0] == pytest.approx(1.0)
    assert disagreement(dets((0, 0, 10, 10, 0.9, 0)), dets((0, 0, 10, 10, 0.9, 0)))[0] == pytest.approx(0.0)


def test_no_detection_scores_and_weighted_mean():
    scores = score_image(dets(), [dets()], NAMES, {"least_confidence": 2.0, "entropy": 1.0, "consistency": 1.0})
    assert (scores.least_confidence, scores.entropy, scores.consistency) == (1.0, 0.0, 0.0)
    assert scores.score == pytest.approx(2.0 / 4.0)
    assert scores.dominant_class is None
