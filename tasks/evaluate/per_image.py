"""Per-image detection statistics, kept so that a comparison never re-runs a model.

Ultralytics' validator matches each image's predictions to its boxes and then throws the
per-image arrays away once mAP is computed. A callback keeps them: for every test image,
which predictions are true positives at the ten IoU thresholds, their confidences and
classes, and the true classes. Any mAP over any subset or resample of the images is then
`ap_per_class` over the concatenated arrays (see tasks/evaluate/bootstrap.py), and the per-image
TP/FP/FN at an operating confidence are counted with the validator's own matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class ImageStats:
    """One test image as the validator saw it; classes are indices into the class list they came with."""

    image: str
    tp: np.ndarray  # (predictions, 10) bool: correct at IoU 0.50, 0.55, ..., 0.95
    conf: np.ndarray
    pred_cls: np.ndarray
    target_cls: np.ndarray
    operating: dict[str, int]  # tp, fp, fn at IoU 0.5 among predictions with conf >= the operating confidence


def record_image_stats(detector: Any, operating_conf: float) -> list[ImageStats]:
    """Add callbacks to an Ultralytics model so its next `val()` fills the returned list, image by image."""
    records: list[ImageStats] = []

    def on_val_start(validator: Any) -> None:
        process_batch, update_stats = validator._process_batch, validator.metrics.update_stats
        pending: dict[str, int] = {}

        def process_with_operating_point(preds: dict, batch: dict) -> dict:
            keep = preds["conf"] >= operating_conf
            kept_tp = process_batch({k: v[keep] for k, v in preds.items()}, batch)["tp"]
            matched = int(kept_tp[:, 0].sum()) if len(kept_tp) else 0
            pending.update(tp=matched, fp=int(keep.sum()) - matched, fn=int(batch["cls"].shape[0]) - matched)
            return process_batch(preds, batch)

        def keep_stats(stat: dict) -> None:
            update_stats(stat)
            records.append(
                ImageStats(
                    image=stat["im_name"],
                    tp=np.asarray(stat["tp"], dtype=bool),
                    conf=np.asarray(stat["conf"], dtype=float),
                    pred_cls=np.asarray(stat["pred_cls"], dtype=int),
                    target_cls=np.asarray(stat["target_cls"], dtype=int),
                    operating=dict(pending),
                )
            )

        records.clear()
        validator._process_batch = process_with_operating_point
        validator.metrics.update_stats = keep_stats

    detector.add_callback("on_val_start", on_val_start)
    return records


def to_dataset_classes(
    records: list[ImageStats], model_names: list[str], dataset_names: list[str], extra_targets: dict[str, list[str]]
) -> list[ImageStats]:
    """Re-index classes to the dataset's list, adding the boxes of classes the model does not know.

    Matching is class-aware, so a box of a class the model never predicts is a miss for it
    whether or not the validator saw it: adding it back makes two models with different class
    lists comparable on the same boxes (an unknown class scores AP 0).
    """
    index = np.array([dataset_names.index(n) if n in dataset_names else -1 for n in model_names], dtype=int)
    mapped = []
    for r in records:
        extra = np.array([dataset_names.index(n) for n in extra_targets.get(r.image, [])], dtype=int)
        targets = np.concatenate([index[r.target_cls], extra]).astype(int)
        pred_cls = index[r.pred_cls] if len(r.pred_cls) else r.pred_cls.astype(int)
        known = pred_cls >= 0  # a class the dataset no longer has is no one's true or false positive
        mapped.append(ImageStats(r.image, r.tp[known], r.conf[known], pred_cls[known], targets, r.operating))
    return mapped


def operating_table(records: list[ImageStats], operating_conf: float) -> dict[str, Any]:
    """Per-image TP/FP/FN at the operating confidence, with totals, for metrics/ and the report."""
    images = {r.image: r.operating for r in sorted(records, key=lambda r: r.image)}
    totals = {k: sum(row[k] for row in images.values()) for k in ("tp", "fp", "fn")}
    return {"conf": operating_conf, "iou": 0.5, "totals": totals, "images": images}
