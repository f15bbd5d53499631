"""reports/audit as files: what the audit stage found, read back by the mine stage (the audit's share of a relabel
batch) and by the FiftyOne index (tasks/index/audit_fields.py).

  images.json       per image key: fold, cleanlab label quality and verdict, audit score, reasons, mistakenness
  boxes.json        per image key: every labelled box's scores, and the suspects (reason, score, priority, box,
                    evidence; the audit score and the rankings go by priority, tasks/audit/reasons.py)
  predictions.json  the out-of-fold predictions ([label, conf, x, y, w, h], fractions; as reports/mine)
Boxes are [x_top_left, y_top_left, w, h] fractions of the image; a suspect's `box` is the line of
the labelled box in its label file (null: an object the labels miss). The audit stage writes them
(tasks/audit/report.py, which also writes report.md, for a person, and metrics/audit.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import JsonValue, model_validator

from tasks.core.contract_io import Contract, Part, read_contract, write_contract

AUDIT_IMAGES, AUDIT_BOXES, AUDIT_PREDICTIONS = "images.json", "boxes.json", "predictions.json"
RUN_AUDIT = "run the audit stage (dvc repro audit)"
PredictionRow = tuple[str, float | None, float, float, float, float]  # label, conf, x_top_left, y_top_left, w, h


class AuditSuspect(Part):
    """A box a labeller should look at, and why (the relabel batch carries these for its audit images)."""

    kind: Literal["wrong_class", "misplaced", "missing", "spurious"]
    """What seems wrong (the KINDS of tasks/audit/reasons.py)."""
    box: int | None
    """The labelled box's line in its label file; None: an object the labels miss."""
    label: str
    """Its class (missing: the predicted one)."""
    bounding_box: list[float]
    """x_top_left, y_top_left, w, h (fractions); missing: the model's box."""
    score: float
    """How strongly its reason's evidence holds, 0 .. 1."""
    priority: float
    """Its place in the ranking that takes the reasons in turn (the audit score of its image)."""
    reason: str
    """In words a labeller understands."""
    evidence: dict[str, JsonValue]
    """The figures behind the reason (the model's confidence, an IoU, ...)."""


class AuditImageRecord(Part):
    """One image's verdict: its fold, cleanlab's label quality, the audit score, the reasons, mistakenness."""

    fold: int
    """The fold whose model predicted it (a model that never saw it)."""
    label_quality: float | None
    """cleanlab's, 0 dirty .. 1 clean."""
    label_issue: bool
    """cleanlab's verdict."""
    audit_score: float
    """Its strongest suspect's priority; 0 without a suspect."""
    reasons: list[str]
    """One line per suspect."""
    mistakenness: float | None
    """FiftyOne's, from the out-of-fold predictions (None: nothing matched)."""
    possible_missing: int
    """Confident predictions no label matches."""
    possible_spurious: int
    """Labels no prediction matches."""


class AuditImages(Contract):
    """`reports/audit/images.json`: the audit's verdict on each labelled image, by image key."""

    names: list[str]
    """The class list of the audited labels."""
    images: dict[str, AuditImageRecord]


class AuditBox(Part):
    """One labelled box's scores (None: the scorer had no opinion)."""

    line: int
    """Its line in its label file."""
    label: str
    bounding_box: list[float]
    """x_top_left, y_top_left, w, h (fractions)."""
    cleanlab_swap: float | None
    cleanlab_badloc: float | None
    mistakenness: float | None
    mistakenness_loc: float | None
    possible_spurious: bool


class AuditImageBoxes(Part):
    boxes: list[AuditBox]
    """Every labelled box, in label-file order."""
    suspects: list[AuditSuspect]


class AuditBoxes(Contract):
    """`reports/audit/boxes.json`: every labelled box's scores and each image's suspects, by image key."""

    images: dict[str, AuditImageBoxes]

    @model_validator(mode="before")
    @classmethod
    def keyed_by_image(cls, data: Any) -> Any:
        """Before it had a version, the file was the table itself: {key: {boxes, suspects}}."""
        if isinstance(data, dict) and "images" not in data and "version" not in data:
            return {"images": data}
        return data


class AuditPredictions(Contract):
    """`reports/audit/predictions.json`: the out-of-fold predictions of each labelled image, by image key."""

    names: list[str]
    """The class list of the audited labels."""
    images: dict[str, list[PredictionRow]]
    """[label, conf, x_top_left, y_top_left, w, h] per prediction (fractions)."""


def write_audit_images(folder: Path, images: AuditImages) -> None:
    write_contract(folder / AUDIT_IMAGES, images)


def read_audit_images(folder: Path) -> AuditImages:
    return read_contract(folder / AUDIT_IMAGES, AuditImages, RUN_AUDIT)


def write_audit_boxes(folder: Path, boxes: AuditBoxes) -> None:
    write_contract(folder / AUDIT_BOXES, boxes)


def read_audit_boxes(folder: Path) -> AuditBoxes:
    return read_contract(folder / AUDIT_BOXES, AuditBoxes, RUN_AUDIT)


def write_audit_predictions(folder: Path, predictions: AuditPredictions) -> None:
    write_contract(folder / AUDIT_PREDICTIONS, predictions)


def read_audit_predictions(folder: Path) -> AuditPredictions:
    return read_contract(folder / AUDIT_PREDICTIONS, AuditPredictions, RUN_AUDIT)


@dataclass
class AuditReport:
    """reports/audit read back: per image key, its record (images.json), its boxes and suspects (boxes.json) and
    its out-of-fold predictions (predictions.json)."""

    names: list[str]
    images: dict[str, AuditImageRecord]
    boxes: dict[str, AuditImageBoxes]
    predictions: dict[str, list[PredictionRow]]

    def ranked_images(self) -> list[str]:
        """Images with a suspect, the strongest first (ties: cleanlab's lower label quality, then the key)."""
        suspect = [k for k, r in self.images.items() if r.audit_score > 0]
        return sorted(suspect, key=lambda k: (-self.images[k].audit_score, self.images[k].label_quality or 1, k))


def read_audit(folder: Path) -> AuditReport | None:
    """reports/audit, or None when the audit has not run (the index and the batch then go without it)."""
    if not (folder / AUDIT_IMAGES).exists():
        return None
    images = read_audit_images(folder)
    boxes = read_audit_boxes(folder)
    predictions = read_audit_predictions(folder)
    return AuditReport(images.names, images.images, boxes.images, predictions.images)
