"""Checks on an evaluation's scores that hold whatever a tiny model scores, and fail when a field is wrong."""

from __future__ import annotations

from statistics import mean

import pytest

SUMMARY_OF_COLUMN = {"map50": "ap50", "map50_95": "ap50_95", "precision": "precision", "recall": "recall"}


def assert_summary_is_the_mean_of_its_classes(result: dict) -> None:
    """Each summary score is the mean over the classes the model knows with test boxes (as Ultralytics
    averages), and mAP50 is at least mAP50-95 overall and per class (a looser IoU finds at least as much)."""
    scored = [row for row in result["per_class"].values() if row["known"] and row["instances"]]
    assert scored, f"no class the model knows has a test box: {result['per_class']}"
    for key, column in SUMMARY_OF_COLUMN.items():
        assert result[key] == pytest.approx(mean(row[column] for row in scored), abs=1e-6), key
    assert result["map50"] >= result["map50_95"] - 1e-9
    assert all(row["ap50"] >= row["ap50_95"] - 1e-9 for row in scored)
