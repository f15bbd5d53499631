"""What the mine stage writes besides the batch: reports/mine/{predictions,scores,summary}.json.

The FiftyOne index is rebuilt from these files (tasks/index/build.py), so they hold
everything it shows: every scored image's detections, every pool image's scores, and the
round's summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tasks.core import Layout, MineParams, read_manifest, top_left_box, write_json
from tasks.mine.audit_share import AuditBatch
from tasks.mine.pool_scoring import ScoredImage
from tasks.mine.selection import Choice
from tasks.mine.strategies import strategy_header


def prediction_rows(image: ScoredImage, names: list[str]) -> list[list]:
    """[label, conf, x_top_left, y_top_left, w, h] rows, normalised, for reports/mine/predictions.json."""
    found = image.detections
    return [
        [names[int(c)], round(float(p), 5), *top_left_box(*xyxy, image.width, image.height)]
        for xyxy, p, c in zip(found.boxes.tolist(), found.conf, found.cls, strict=True)
    ]


def batch_header(
    section: MineParams, card: dict[str, Any], excluded: set[str], val_map50_95: float | None
) -> dict[str, Any]:
    """The round, the model (stage:registered version), the params, how many images earlier rounds took,
    and how the batch was picked (the strategy, and the rule it came to at the model's val mAP50-95)."""
    model = f"{section.model}:{card.get('model_version')}"
    header = {"round": section.round, "model": model, "params": section.model_dump(), "excluded": len(excluded)}
    return header | strategy_header(section, val_map50_95)


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
    audit: AuditBatch | None = None,
) -> dict[str, Any]:
    """reports/mine/summary.json: the batch, how unsure the model was of it against the pool, the views,
    and the label audit's images in the batch (when it has some)."""
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
    if audit:
        summary["audit_chosen"] = [c.image for c in audit.choices]
    summary["draft_boxes"] = warn_without_drafts(layout.relabel / f"round-{section.round}", section.draft_conf)
    write_json(layout.reports / "mine" / "summary.json", summary)
    return summary


def warn_without_drafts(batch: Path, draft_conf: float) -> int:
    """The batch's draft boxes; a warning when there are none, so no labeller waits for drafts that never came."""
    drafts = sum(entry["draft_boxes"] for entry in read_manifest(batch)["images"])
    if not drafts:
        print(
            f"warning: {batch}: no draft boxes: no prediction of the model reached mine.draft_conf={draft_conf}; "
            "the images are to be labelled from scratch (or lower mine.draft_conf, or train longer)"
        )
    return drafts
