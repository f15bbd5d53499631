"""The FiftyOne index: a persistent dataset rebuilt from files, never the source of truth.

Everything in it comes from files, so deleting the database loses nothing and a rebuild gives
the same samples, tags and scores:
- samples and ground truth: data/prepared (train/val/test splits) and data/pool/images;
- predictions and scores: reports/mine/predictions.json and reports/mine/scores.json;
- tags: `relabel-round-N` from data/relabel/round-N/manifest.json, `labelled-round-N` from
  data/labels/round-N/manifest.json, plus the split name;
- the label audit's scores, reasons and out-of-fold predictions: reports/audit (tasks/index/audit_fields.py),
  when the audit stage ran.
Evaluation (TP/FP/FN), mistakenness and the saved views are computed again on each build,
from the same inputs, with the same results.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tasks.audit import AuditReport, read_audit
from tasks.core import (
    InputError,
    Layout,
    PreparedDataset,
    Progress,
    label_path,
    list_images,
    load_fiftyone,
    needs_database,
    read_labels,
    top_left_box,
)
from tasks.index.audit_fields import audit_fields, ingest_audit, label_mistakes_view
from tasks.labelling import round_manifests

SCORE_FIELDS = ("least_confidence", "entropy", "consistency", "uncertainty", "uniqueness", "mining_score")


def round_tags(root: Path, prefix: str) -> dict[str, list[str]]:
    """Tag per image key from the manifests of data/relabel/round-* or data/labels/round-*."""
    tags: dict[str, list[str]] = {}
    for folder, manifest in round_manifests(root).items():
        for entry in manifest["images"]:
            tags.setdefault(entry["image"], []).append(f"{prefix}-{folder.name}")
    return tags


def detections_doc(rows: list[list]) -> dict:
    """[label, conf or None, x_top_left, y_top_left, w, h] (normalised) rows as a stored fo.Detections.

    Written as FiftyOne stores it, through `set_values`, which ingests many times faster than building
    mongoengine documents one by one (benchmarks/fo_ingest.py). Reads give back ordinary fo.Detections.
    """
    from bson import ObjectId

    detections = [
        {
            "_id": ObjectId(),
            "_cls": "Detection",
            "tags": [],
            "label": r[0],
            "bounding_box": list(r[2:6]),
            "confidence": r[1],
        }
        for r in rows
    ]
    return {"_id": ObjectId(), "_cls": "Detections", "detections": detections}


def truth_rows(image: Path, names: list[str]) -> list[list]:
    """The image's label file as [label, None, x_top_left, y_top_left, w, h] rows (fractions)."""
    return [[names[b.cls], None, *top_left_box(*b.corners())] for b in read_labels(label_path(image))]


def sample_records(
    sources: dict[str, Path],
    names: list[str],
    predictions: dict,
    scores: dict,
    tags: dict,
    layout: Layout,
    audit: AuditReport | None = None,
) -> list:
    """One record per image of each split folder in `sources` (`pool` has no ground truth).

    `names` are the dataset's classes (label ids of the files); predictions already carry names.
    Each sample's `key` is the image's path from the project root, as the reports and manifests name it.
    """
    records = []
    listed = {split: list_images(folder) for split, folder in sources.items()}
    with Progress("FiftyOne index records", sum(len(images) for images in listed.values())) as progress:
        for split, folder in sources.items():
            absolute = folder.resolve()  # once per folder: resolving each path costs a syscall per component
            for image in listed[split]:
                key = layout.key(image)
                records.append(
                    {
                        "filepath": str(absolute / image.relative_to(folder)),
                        "key": key,
                        "split": split,
                        "tags": [split, *tags.get(key, [])],
                        "ground_truth": None if split == "pool" else detections_doc(truth_rows(image, names)),
                        "predictions": detections_doc(predictions.get(key, [])),
                        **{field: scores.get(key, {}).get(field) for field in SCORE_FIELDS},
                    }
                )
                if audit:
                    records[-1].update(audit_fields(audit, key, records[-1]["ground_truth"], detections_doc))
                progress.advance()
    return records


def ingest(index, records: list[dict]) -> None:
    """Add the records' samples, then each label and score field in one bulk write."""
    fo = load_fiftyone()

    index.add_samples(
        [fo.Sample(filepath=r["filepath"], key=r["key"], split=r["split"], tags=r["tags"]) for r in records],
        progress=False,
    )
    for field in ("ground_truth", "predictions"):
        index.add_sample_field(field, fo.EmbeddedDocumentField, embedded_doc_type=fo.Detections)
        index.set_values(field, [r[field] for r in records], validate=False)
    for field in SCORE_FIELDS:
        if any(r[field] is not None for r in records):
            index.add_sample_field(field, fo.FloatField)
            index.set_values(field, [r[field] for r in records], validate=False)
    ingest_audit(index, records)


def build_index(name: str, dataset: PreparedDataset, layout: Layout):
    """(Re)create the persistent dataset `name` from files (reports/mine, the round manifests), and save it.

    reports/audit's fields join the index when the audit stage ran.
    """
    fo = load_fiftyone()

    reports = layout.reports / "mine"
    predictions = json.loads((reports / "predictions.json").read_text())
    scores = json.loads((reports / "scores.json").read_text())
    tags = round_tags(layout.relabel, "relabel")
    for key, extra in round_tags(layout.labels, "labelled").items():
        tags.setdefault(key, []).extend(extra)
    sources = {**dataset.split_dirs(), "pool": layout.pool / "images"}
    index = fo.Dataset(name, overwrite=True, persistent=True)
    audit = read_audit(layout.reports / "audit")
    records = sample_records(sources, dataset.names, predictions["images"], scores["images"], tags, layout, audit)
    ingest(index, records)
    index.info = {"model": predictions["model"], "names": predictions["names"]}
    index.save()
    return index


@needs_database
def rebuild_index(name: str, low_confidence: float, dataset: PreparedDataset, layout: Layout):
    """The FiftyOne dataset from files only, evaluated, with its saved views: the same every time."""
    scores = layout.reports / "mine" / "scores.json"
    if not scores.exists():
        raise InputError(f"{scores}: missing; run the mine stage first (dvc repro mine)")
    index = build_index(name, dataset, layout)
    return index, analyse(index, low_confidence)


def analyse(index, low_confidence: float) -> dict[str, int]:
    """Per-sample TP/FP/FN, mistakenness on the labelled splits, and the saved views; sizes of the views."""
    load_fiftyone()
    import fiftyone.brain as fob
    from fiftyone import ViewField as F

    labelled = index.match(F("split") != "pool")
    if len(labelled):
        labelled.evaluate_detections("predictions", gt_field="ground_truth", eval_key="eval", progress=False)
        fob.compute_mistakenness(labelled, "predictions", label_field="ground_truth", progress=False)
        views = {
            "false_positives": labelled.filter_labels("predictions", F("eval") == "fp"),
            "missed_objects": labelled.filter_labels("ground_truth", F("eval") == "fn"),
            "possible_label_mistakes": labelled.match(
                (F("mistakenness") >= 0.5) | (F("possible_missing") > 0) | (F("possible_spurious") > 0)
            ).sort_by("mistakenness", reverse=True),
        }
        audited = label_mistakes_view(labelled)  # the label audit's ranking, when it ran
        if audited is not None:
            views["possible_label_mistakes"] = audited
    else:
        views = {}
    views["low_confidence"] = index.filter_labels("predictions", F("confidence") < low_confidence)
    views["hardest_pool"] = index.match(F("split") == "pool").sort_by("mining_score", reverse=True)
    for tag in sorted(t for t in index.distinct("tags") if t.startswith(("relabel-", "labelled-"))):
        views[tag] = index.match_tags(tag)
    for view_name, view in views.items():
        index.save_view(view_name, view, overwrite=True)
    return {view_name: len(view) for view_name, view in views.items()}


@needs_database
def uniqueness(images: dict[str, Path], embeddings: np.ndarray) -> dict[str, float]:
    """FiftyOne brain's uniqueness of each image (key -> file) from the given (backbone) embeddings, row by row."""
    fo = load_fiftyone()
    import fiftyone.brain as fob

    keys = list(images)
    if len(keys) < 2:
        return dict.fromkeys(keys, 1.0)
    scratch = fo.Dataset()
    try:
        samples = [fo.Sample(filepath=str(images[k].resolve()), key=k) for k in keys]
        ids = scratch.add_samples(samples, progress=False)
        fob.compute_uniqueness(scratch, embeddings=embeddings, progress=False)
        by_id = dict(zip(scratch.values("id"), scratch.values("uniqueness"), strict=True))
        return {k: float(by_id[i]) for k, i in zip(keys, ids, strict=True)}
    finally:
        scratch.delete()
