"""Params of the label audit (stage `audit`): out-of-fold predictions and the thresholds of the reasons."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tasks.core.schema_base import Section


class AuditParams(Section):
    """K models, each trained on the other folds with the train stage's settings, predict the held-out fold.

    `confident` and `match_iou` decide which library scores become a reason a labeller reads
    (tasks/audit/reasons.py); `confident` is also cleanlab's probability threshold for swapped,
    overlooked and badly located boxes (its own default, 0.95, suits calibrated large detectors;
    a small YOLO trained on a few hundred images rarely goes past 0.9 on an image it never saw).
    """

    folds: int = Field(3, ge=2, le=10)  # K: every labelled train image is held out in exactly one fold
    data: Literal["base", "new", "all"] = "all"  # whose train splits are audited (and train the fold models)
    epochs: int | None = Field(None, ge=1)  # null: train.epochs (the fold models train like the train stage)
    conf: float = Field(0.05, gt=0, lt=1)  # out-of-fold detections kept at or above this confidence
    iou: float = Field(0.7, gt=0, lt=1)  # NMS IoU of those detections
    confident: float = Field(0.5, gt=0, lt=1)  # a prediction at or above this counts as the model's opinion
    match_iou: float = Field(0.5, gt=0, lt=1)  # a box and a prediction at or above this IoU are the same object
    report_rows: int = Field(50, ge=1)  # suspects listed in reports/audit/report.md
