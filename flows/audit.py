"""Stage `audit`: out-of-fold predictions for the labelled train images, then cleanlab's and FiftyOne's label scores.

Outputs: reports/audit (images.json, boxes.json, predictions.json, report.md) and metrics/audit.json.
The mine stage reads reports/audit: into the FiftyOne index (the `possible_label_mistakes` view) and,
with `mine.audit_share` > 0, into the relabel batch.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow

from flows.steps.audit import find_label_issues_task, train_and_predict_task
from tasks.audit import (
    assign_folds,
    audited_images,
    fold_arguments,
    load_audit_images,
    validation_images,
    write_audit_summary,
)
from tasks.core import Layout, Params, read_card, resolve_device
from tasks.orchestration import stage_main
from tasks.train import with_resolved_train_model


@flow(name="audit")
def audit_flow(params: Params, root: Path) -> dict:
    """Train `audit.folds` models, each on the other folds; score every labelled box with their predictions."""
    started, section, layout = time.perf_counter(), params.audit, Layout(root)
    work = layout.fresh_scratch("audit")
    params = with_resolved_train_model(params, root, work / "start")  # the folds train from train.model
    dataset = read_card(layout.prepared)
    names = dataset.names_for(section.data)
    paths = audited_images(dataset, section.data, section.folds)
    images = load_audit_images(paths, dataset.names, names, layout)
    folds = assign_folds({i.key: [b.cls for b in i.truth] for i in images}, section.folds, params.project.seed)
    args = fold_arguments(params, resolve_device(params.project.device))
    validation = validation_images(dataset, section.data)
    predicted = [
        image
        for fold in range(section.folds)
        for image in train_and_predict_task(
            fold, images, folds, validation, dataset.names, names, params, args, work, layout.runs
        )
    ]
    findings = find_label_issues_task(sorted(predicted, key=lambda image: image.key), names, section)
    return write_audit_summary(layout, findings, section, time.perf_counter() - started)


if __name__ == "__main__":
    stage_main(audit_flow)
