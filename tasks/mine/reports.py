"""What the mine stage writes besides the batch: reports/mine/{predictions,scores,summary}.json.

The FiftyOne index is rebuilt from these files (tasks/mine/fiftyone_index.py), so they hold
everything it shows: every scored image's detections, every pool image's scores, and the
round's summary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tasks.core.paths import Layout
from tasks.core.schema_mine import MineParams
from tasks.core.yolo_files import write_json
from tasks.mine.pool_scoring import ScoredImage
from tasks.mine.selection import Choice


def prediction_rows(image: ScoredImage, names: list[str]) -> list[list]:
    """[label, conf, x_top_left, y_top_left, w, h] rows, normalised, for reports/mine/predictions.json."""
    w, h = image.width, image.height
    found = image.detections
    return [
        [names[int(c)], round(float(p), 5), x1 / w, y1 / h, (x2 - x1) / w, (y2 - y1) / h]
        for (x1, y1, x2, y2), p, c in zip(found.boxes.tolist(), found.conf, found.cls, strict=True)
    ]


def batch_header(section: MineParams, card: dict[str, Any], excluded: set[str]) -> dict[str, Any]:
    """The round, the model (stage:registered version), the params and how many images earlier rounds took."""
    model = f"{section.model}:{card.get('model_version')}"
    return {"round": section.round, "model": model, "params": section.model_dump(), "excluded": len(excluded)}


def write_pool_reports(
    layout: Layout, model: str, names: list[str], scored: list[ScoredImage], table: dict[str, dict]
) -> None:
    """predictions.json (every scored image, pool and labelled) and scores.json (the pool's scores)."""
    reports = layout.reports / "mine"
    rows = {layout.key(image.path): prediction_rows(image, names) for image in scored}
    write_json(reports / "predictions.json", {"model": model, "names": names, "images": rows})
    write_json(reports / "scores.json", {"model": model, "images": table})


def write_mine_summary(
    layout: Layout,
    section: MineParams,
    table: dict[str, dict],
    earlier: set[str],
    choices: list[Choice],
    views: dict[str, int],
) -> dict[str, Any]:
    """reports/mine/summary.json: the batch, how unsure the model was of it against the pool, the views."""
    chosen = [table[c.image]["uncertainty"] for c in choices]
    summary = {
        "round": section.round,
        "pool": len(table),
        "excluded_earlier": len(earlier),
        "chosen": [c.image for c in choices],
        "mean_uncertainty_chosen": float(np.mean(chosen)) if choices else 0.0,
        "mean_uncertainty_pool": float(np.mean([row["uncertainty"] for row in table.values()])) if table else 0.0,
        "views": views,
    }
    write_json(layout.reports / "mine" / "summary.json", summary)
    return summary
