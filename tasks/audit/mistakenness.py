"""FiftyOne brain's mistakenness, computed on a scratch dataset from the given (out-of-fold) predictions.

`compute_mistakenness` matches predictions to labels (IoU 0.5, any class) and gives each matched
labelled box a class mistakenness (high: a confident prediction of another class) and a location
mistakenness (high: a confident prediction at low IoU), flags unmatched labelled boxes as
possibly spurious and confident (> 0.95) unmatched predictions as possibly missing. The scratch
dataset is deleted afterwards; only the numbers are kept (reports/audit holds them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tasks.audit.boxes import AuditImage, normalised_row
from tasks.core import load_fiftyone


@dataclass
class Mistakenness:
    image: float | None  # the image's mistakenness (max over its matched boxes); None when nothing matched
    missing: int  # possible_missing: confident predictions no label matches
    spurious: int  # possible_spurious: labels no prediction matches
    box_class: list[float | None]  # per labelled box: class mistakenness (None: unmatched)
    box_location: list[float | None]  # per labelled box: location mistakenness (None: unmatched)
    box_spurious: list[bool]  # per labelled box
    prediction_missing: list[bool]  # per prediction


def detections(fo, rows: list[tuple[str, float | None, list[float]]]):
    return fo.Detections(
        detections=[fo.Detection(label=label, confidence=conf, bounding_box=box) for label, conf, box in rows]
    )


def sample_of(fo, image: AuditImage, names: list[str], root: Path):
    truth = [(names[b.cls], None, normalised_row(b.xyxy, image.width, image.height)) for b in image.truth]
    found = [(names[p.cls], p.conf, normalised_row(p.xyxy, image.width, image.height)) for p in image.predictions]
    return fo.Sample(
        filepath=str((root / image.key).resolve()),
        ground_truth=detections(fo, truth),
        predictions=detections(fo, found),
    )


def read_back(sample) -> Mistakenness:
    truth, found = sample["ground_truth"].detections, sample["predictions"].detections
    value = sample["mistakenness"]
    return Mistakenness(
        image=None if value is None or value < 0 else float(value),
        missing=int(sample["possible_missing"] or 0),
        spurious=int(sample["possible_spurious"] or 0),
        box_class=[d["mistakenness"] if d.has_field("mistakenness") else None for d in truth],
        box_location=[d["mistakenness_loc"] if d.has_field("mistakenness_loc") else None for d in truth],
        box_spurious=[bool(d.has_field("possible_spurious") and d["possible_spurious"]) for d in truth],
        prediction_missing=[bool(d.has_field("possible_missing") and d["possible_missing"]) for d in found],
    )


def fiftyone_mistakenness(images: list[AuditImage], names: list[str], root: Path = Path(".")) -> list[Mistakenness]:
    """Mistakenness of each image and box; `root` is where the image keys are relative to."""
    fo = load_fiftyone()
    import fiftyone.brain as fob

    scratch = fo.Dataset()
    try:
        ids = scratch.add_samples([sample_of(fo, image, names, root) for image in images], progress=False)
        fob.compute_mistakenness(scratch, "predictions", label_field="ground_truth", progress=False)
        by_id = {sample.id: read_back(sample) for sample in scratch}
        return [by_id[i] for i in ids]
    finally:
        scratch.delete()
