"""Stage `audit`: out-of-fold predictions for the labelled train images, then cleanlab's and FiftyOne's label scores.

Outputs: reports/audit (images.json, boxes.json, predictions.json, report.md) and metrics/audit.json.
The mine stage reads reports/audit: into the FiftyOne index (the `possible_label_mistakes` view) and,
with `mine.audit_share` > 0, into the relabel batch.
"""

from __future__ import annotations

import time

from prefect import flow

from flows.stage import main
from tasks.audit.folds import assign_folds
from tasks.audit.label_issues import find_label_issues
from tasks.audit.oof import audited_images, fold_arguments, load_audit_images, train_and_predict, validation_images
from tasks.audit.report import write_audit_reports
from tasks.core.paths import METRICS, PREPARED, REPORTS, fresh_scratch
from tasks.core.prepared import read_card
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.core.yolo_files import write_json

# A failed fold (a lost device) is retried and resumes from its last checkpoint.
train_and_predict_task = as_task(train_and_predict, retries=1)
find_label_issues_task = as_task(find_label_issues)

AUDIT_REPORTS = REPORTS / "audit"


@flow(name="audit")
def audit_flow(params: Params) -> dict:
    """Train `audit.folds` models, each on the other folds; score every labelled box with their predictions."""
    started = time.perf_counter()
    section = params.audit
    dataset = read_card(PREPARED)
    names = dataset.names_for(section.data)
    paths = audited_images(dataset, section.data, section.folds)
    images = load_audit_images(paths, dataset.names, names)
    folds = assign_folds({i.key: [b.cls for b in i.truth] for i in images}, section.folds, params.project.seed)
    args = fold_arguments(params, resolve_device(params.project.device))
    work, validation = fresh_scratch("audit"), validation_images(dataset, section.data)
    predicted = [
        image
        for fold in range(section.folds)
        for image in train_and_predict_task(fold, images, folds, validation, dataset.names, names, params, args, work)
    ]
    predicted.sort(key=lambda image: image.key)
    findings = find_label_issues_task(predicted, names, section)
    summary = write_audit_reports(findings, AUDIT_REPORTS, section.report_rows, section.confident)
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    summary = {**summary, "folds": section.folds, "wall_s": round(time.perf_counter() - started, 2)}
    write_json(METRICS / "audit.json", summary)
    return summary


if __name__ == "__main__":
    main(audit_flow)
