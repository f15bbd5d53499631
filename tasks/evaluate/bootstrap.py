"""Is the new model better than the champion, beyond the noise of a finite test set?

Both models' per-image statistics on the same test images (tasks/evaluate/per_image.py) are
resampled together: each bootstrap draw picks images with replacement and recomputes
both mAPs from the detections already matched, so the interval is over test images,
the unit a team would collect more of, and no model runs again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tasks.evaluate.per_image import ImageStats


def map_from_stats(records: list[ImageStats], n_classes: int) -> dict[str, Any]:
    """mAP50, mAP50-95 and AP50-95 per class (NaN where a class has no box) with Ultralytics' `ap_per_class`."""
    from ultralytics.utils.metrics import ap_per_class

    per_class = np.full(n_classes, np.nan)
    targets = np.concatenate([r.target_cls for r in records]) if records else np.zeros(0)
    if not len(targets):
        return {"map50": 0.0, "map50_95": 0.0, "per_class": per_class}
    result = ap_per_class(
        np.concatenate([r.tp for r in records]).reshape(-1, 10),
        np.concatenate([r.conf for r in records]),
        np.concatenate([r.pred_cls for r in records]),
        targets,
    )
    ap, classes = result[5], result[6].astype(int)
    per_class[classes] = ap.mean(1)
    return {"map50": float(ap[:, 0].mean()), "map50_95": float(ap.mean()), "per_class": per_class}


def bootstrap_difference(
    new: list[ImageStats], old: list[ImageStats], n_classes: int, resamples: int, level: float, seed: int
) -> dict[str, float]:
    """Percentile interval of mAP50-95(new) - mAP50-95(old), resampling test images in pairs."""
    if [r.image for r in new] != [r.image for r in old]:
        raise ValueError("the two models must be scored on the same images in the same order")
    rng = np.random.default_rng(seed)
    differences = np.empty(resamples)
    for i in range(resamples):
        pick = rng.integers(0, len(new), len(new))
        new_map = map_from_stats([new[j] for j in pick], n_classes)["map50_95"]
        old_map = map_from_stats([old[j] for j in pick], n_classes)["map50_95"]
        differences[i] = new_map - old_map
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return {
        "low": float(low),
        "high": float(high),
        "level": level,
        "resamples": resamples,
        "std": float(differences.std()),
    }


def relative_error_reduction(old: float, new: float) -> float:
    """((1 - old) - (1 - new)) / (1 - old): the share of the remaining error the new model removes."""
    return ((1 - old) - (1 - new)) / (1 - old) if old < 1 else 0.0


def compare_models(
    new: dict[str, Any], old: dict[str, Any], interval: dict[str, float], names: list[str]
) -> dict[str, Any]:
    """The comparison as plain numbers: `new`/`old` hold map50_95, map50, per_class AP (by name), latency_ms."""
    per_class = {
        n: {"new": new["per_class"][n], "old": old["per_class"][n], "diff": new["per_class"][n] - old["per_class"][n]}
        for n in names
        if n in new["per_class"] and n in old["per_class"]
    }
    return {
        "new_version": new.get("version"),
        "old_version": old.get("version"),
        "map50_95": {"new": new["map50_95"], "old": old["map50_95"], "diff": new["map50_95"] - old["map50_95"]},
        "map50": {"new": new["map50"], "old": old["map50"], "diff": new["map50"] - old["map50"]},
        "interval": interval,
        "relative_error_reduction": relative_error_reduction(old["map50_95"], new["map50_95"]),
        "latency_ms": {"new": new["latency_ms"], "old": old["latency_ms"]},
        "latency_ratio": new["latency_ms"] / old["latency_ms"] if old["latency_ms"] > 0 else float("inf"),
        "per_class": per_class,
    }
