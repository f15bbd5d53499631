"""Per-image statistics re-indexed to the dataset's classes, so models with different class lists compare."""

from __future__ import annotations

import numpy as np
import pytest

from tasks.evaluate.bootstrap import map_from_stats
from tasks.evaluate.per_image import ImageStats, operating_table, to_dataset_classes

DATASET = ["ring", "cross", "star"]


def record(image: str, pred_cls: list[int], target_cls: list[int], tp_rows: list[bool]) -> ImageStats:
    tp = np.repeat(np.array(tp_rows, dtype=bool)[:, None], 10, axis=1).reshape(-1, 10)
    conf = np.linspace(0.9, 0.5, len(pred_cls))
    operating = {"tp": sum(tp_rows), "fp": len(tp_rows) - sum(tp_rows), "fn": len(target_cls) - sum(tp_rows)}
    return ImageStats(image, tp, conf, np.array(pred_cls, dtype=int), np.array(target_cls, dtype=int), operating)


def test_a_class_the_model_does_not_know_scores_zero_instead_of_vanishing():
    # The model knows [cross, ring] (in that order) and finds every box of those; the image also has a star.
    records = [record("a.jpg", [0, 1], [0, 1], [True, True])]
    mapped = to_dataset_classes(records, ["cross", "ring"], DATASET, {"a.jpg": ["star"]})
    assert mapped[0].pred_cls.tolist() == [1, 0], "cross is dataset class 1, ring class 0"
    assert sorted(mapped[0].target_cls.tolist()) == [0, 1, 2]
    scores = map_from_stats(mapped, len(DATASET))
    assert scores["per_class"][2] == 0.0 and scores["per_class"][0] == pytest.approx(1.0, abs=0.01)
    assert scores["map50_95"] == pytest.approx(2 / 3, abs=0.01), "star counts, at AP 0"


def test_predictions_of_a_class_the_dataset_lacks_are_dropped():
    records = [record("a.jpg", [0, 1], [0], [True, False])]
    mapped = to_dataset_classes(records, ["ring", "kite"], DATASET, {})
    assert mapped[0].pred_cls.tolist() == [0] and mapped[0].tp.shape == (1, 10) and len(mapped[0].conf) == 1


def test_operating_table_totals_are_the_sum_of_the_images():
    records = [record("b.jpg", [0, 0], [0], [True, False]), record("a.jpg", [], [1, 1], [])]
    table = operating_table(records, 0.25)
    assert list(table["images"]) == ["a.jpg", "b.jpg"]
    assert table["totals"] == {"tp": 1, "fp": 1, "fn": 2} and table["conf"] == 0.25
