"""Stage `mine`: score the unlabelled pool, pick a relabel batch, hand it out, and index it all in FiftyOne.

Outputs: data/relabel/round-<mine.round> (the batch) and reports/mine (predictions, scores,
summary); the FiftyOne dataset `mine.fiftyone_dataset` is rebuilt from those files.
"""

from __future__ import annotations

import json

import numpy as np
from prefect import flow

from flows.stage import main
from tasks.audit.relabel import AuditBatch, audit_places, choose_audit_images
from tasks.audit.report import read_audit
from tasks.core.errors import InputError
from tasks.core.paths import LABELS, MODEL_CARD, POOL, PREPARED, RELABEL, REPORTS, WEIGHTS_FILE, model_dir
from tasks.core.prepared import read_card
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.core.yolo_files import list_images, write_json
from tasks.loop.loop_page import write_loop_page
from tasks.mine.fiftyone_index import analyse, build_index
from tasks.mine.pool_scoring import ScoredImage, load_detector, score_images
from tasks.mine.rank import rank_pool, training_embeddings
from tasks.mine.relabel_export import earlier_choices, export_relabel_batch
from tasks.mine.strategies import strategy_header

score_images_task = as_task(score_images)
rank_pool_task = as_task(rank_pool)
export_relabel_batch_task = as_task(export_relabel_batch)
build_index_task = as_task(build_index)
analyse_task = as_task(analyse)

MINE_REPORTS = REPORTS / "mine"
AUDIT_REPORTS = REPORTS / "audit"  # the audit stage's findings, when it ran


def prediction_rows(image: ScoredImage, names: list[str]) -> list[list]:
    """[label, conf, x_top_left, y_top_left, w, h] rows, normalised, for reports/mine/predictions.json."""
    w, h = image.width, image.height
    found = image.detections
    return [
        [names[int(c)], round(float(p), 5), x1 / w, y1 / h, (x2 - x1) / w, (y2 - y1) / h]
        for (x1, y1, x2, y2), p, c in zip(found.boxes.tolist(), found.conf, found.cls, strict=True)
    ]


@flow(name="mine")
def mine_flow(params: Params) -> dict:
    """Score the pool with `models/<mine.model>`, choose `k` images, export them, rebuild the FiftyOne index."""
    section = params.mine
    dataset = read_card(PREPARED)
    source = model_dir(section.model)
    if not (source / MODEL_CARD).exists():
        raise InputError(
            f"{source / MODEL_CARD}: missing; run the {section.model} stage first (dvc repro {section.model})"
        )
    card = json.loads((source / MODEL_CARD).read_text())
    detector = load_detector(source / WEIGHTS_FILE, resolve_device(params.project.device))
    earlier = earlier_choices(RELABEL, LABELS, section.round)
    labelled_images = [image for folder in dataset.split_dirs().values() for image in list_images(folder)]
    labelled = score_images_task(detector, labelled_images, section, False)
    covered = training_embeddings(labelled, dataset.split_dirs())
    pool_images = list_images(POOL / "images")
    pool, table, choices = rank_pool_task(detector, pool_images, section, earlier, covered, params.project.seed)
    keys = [image.path.as_posix() for image in pool]
    audit = choose_audit_images(read_audit(AUDIT_REPORTS), audit_places(section.k, section.audit_share), earlier)
    choices = choices[: section.k - len(audit)]  # the audit's images take their share of k
    model = f"{section.model}:{card.get('model_version')}"
    header = {"round": section.round, "model": model, "params": section.model_dump(), "excluded": len(earlier)}
    header |= strategy_header(section, detector.val_map50_95)
    batch_dir = RELABEL / f"round-{section.round}"
    export_relabel_batch_task(
        choices,
        dict(zip(keys, pool, strict=True)),
        table,
        detector.names,
        dataset.names,
        header,
        batch_dir,
        section.draft_conf,
        AuditBatch(audit, dataset.names) if audit else None,
    )
    rows = {i.path.as_posix(): prediction_rows(i, detector.names) for i in pool + labelled}
    write_json(MINE_REPORTS / "predictions.json", {"model": model, "names": detector.names, "images": rows})
    write_json(MINE_REPORTS / "scores.json", {"model": model, "images": table})
    index = build_index_task(section.fiftyone_dataset, dataset, POOL, MINE_REPORTS, RELABEL, LABELS, AUDIT_REPORTS)
    views = analyse_task(index, section.low_confidence)
    summary = {
        "round": section.round,
        "pool": len(pool),
        "excluded_earlier": len(earlier),
        "chosen": [c.image for c in choices],
        "mean_uncertainty_chosen": float(np.mean([table[c.image]["uncertainty"] for c in choices])) if choices else 0.0,
        "mean_uncertainty_pool": float(np.mean([row["uncertainty"] for row in table.values()])) if table else 0.0,
        "views": views,
    }
    if audit:
        summary["audit_chosen"] = [c.image for c in audit]
    write_json(MINE_REPORTS / "summary.json", summary)
    write_loop_page(params)
    return summary


if __name__ == "__main__":
    main(mine_flow)
