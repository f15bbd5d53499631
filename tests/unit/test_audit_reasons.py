"""The audit's scoring on hand-made predictions: cleanlab's scores, then the reason given to each suspect box.

A tiny set of clean images (each box predicted well) plus one image with a planted class flip
and a planted shifted box; a second image has a box the labels miss and a spurious one.
"""

from __future__ import annotations

import numpy as np
import pytest

from tasks.audit.boxes import AuditImage, Box, Prediction
from tasks.audit.reasons import explain
from tasks.audit.scores import cleanlab_scores
from tasks.core import AuditParams

NAMES = ["ring", "cross"]
PARAMS = AuditParams()


def clean_image(key: str, cls: int, x: float) -> AuditImage:
    box = (x, 20.0, x + 40, 60.0)
    return AuditImage(key, 200, 200, [Box(cls, box)], [Prediction(cls, 0.9, (x + 1, 21.0, x + 41, 61.0))])


@pytest.fixture
def images() -> list[AuditImage]:
    clean = [clean_image(f"clean{i}.jpg", i % 2, 10.0 + 12 * i) for i in range(8)]
    planted = AuditImage(
        "planted.jpg",
        200,
        200,
        [Box(0, (10.0, 10.0, 60.0, 60.0)), Box(1, (120.0, 120.0, 170.0, 170.0))],  # flipped, then shifted
        [
            Prediction(1, 0.88, (11.0, 11.0, 61.0, 61.0)),  # the model sees a cross where a ring is labelled
            Prediction(1, 0.81, (100.0, 100.0, 150.0, 150.0)),  # the cross really is here: IoU 0.22 with the box
        ],
    )
    gaps = AuditImage(
        "gaps.jpg",
        200,
        200,
        [Box(0, (20.0, 20.0, 60.0, 60.0)), Box(1, (140.0, 20.0, 180.0, 60.0))],  # the cross box: nothing there
        [Prediction(0, 0.9, (21.0, 21.0, 61.0, 61.0)), Prediction(0, 0.93, (20.0, 130.0, 60.0, 170.0))],
    )
    return [*clean, planted, gaps]


def test_a_class_flip_and_a_shifted_box_are_flagged_with_their_reasons(images):
    scores = cleanlab_scores(images, len(NAMES), PARAMS.confident)
    suspects = explain(images, scores, NAMES, PARAMS)
    by_key = dict(zip([i.key for i in images], suspects, strict=True))
    planted = {s.box: s for s in by_key["planted.jpg"]}
    assert set(planted) == {0, 1}
    assert planted[0].kind == "wrong_class" and "labelled ring, the model sees cross" in planted[0].reason
    assert planted[1].kind == "misplaced" and planted[1].reason.startswith("box misplaced: the model puts this cross")
    flip, shift = scores[-2].swap[0], scores[-2].badloc[1]  # the planted image's cleanlab scores of those boxes
    assert planted[0].score == pytest.approx(0.88 * (1 - flip), abs=1e-6), "confidence of the cross x (1 - swap)"
    assert planted[1].score == pytest.approx(0.81 * (1 - shift), abs=1e-6), "confidence of the cross x (1 - badloc)"
    assert not any(by_key[f"clean{i}.jpg"] for i in range(8)), "a well-predicted box is no suspect"


def test_a_missing_object_and_a_spurious_box_are_told_apart(images):
    suspects = explain(images, cleanlab_scores(images, len(NAMES), PARAMS.confident), NAMES, PARAMS)
    gaps = suspects[-1]
    kinds = {s.kind: s for s in gaps}
    assert set(kinds) == {"missing", "spurious"}
    assert kinds["missing"].box is None and kinds["missing"].xyxy == (20.0, 130.0, 60.0, 170.0)
    assert kinds["missing"].reason == "object missing: the model finds a ring (0.93) where no box is"
    assert kinds["spurious"].box == 1 and kinds["spurious"].reason.startswith(
        "spurious box: the model finds 67% of cross"
    )


def test_cleanlab_scores_follow_the_image_order_of_predictions(images):
    scores = cleanlab_scores(images, len(NAMES), PARAMS.confident)
    planted = scores[-2]
    assert planted.swap[0] < 0.5 < planted.swap[1], "the flipped box has the low swap score"
    assert planted.badloc[1] < planted.badloc[0], "the shifted box is the badly located one"
    gaps = scores[-1]
    assert np.isnan(gaps.overlooked[0]) and not np.isnan(gaps.overlooked[1]), "only the prediction on no box"
    others = [s.quality for i, s in enumerate(scores) if i != len(scores) - 2]
    assert planted.quality < min(others), "the image with two planted errors is the dirtiest, in its own place"
