"""reports/audit: what the audit found, as files (the FiftyOne index and the relabel batch read them back).

  images.json       per image: fold, cleanlab label quality and verdict, audit score, reasons, mistakenness
  boxes.json        per image: every labelled box's scores, and the suspects (reason, score, priority, box,
                    evidence; the audit score and the rankings go by priority, tasks/audit/reasons.py)
  predictions.json  the out-of-fold predictions ([label, conf, x, y, w, h], fractions; as reports/mine)
  report.md         the top suspects, for a person
Boxes are [x_top_left, y_top_left, w, h] fractions of the image; a suspect's `box` is the line of
the labelled box in its label file (null: an object the labels miss).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tasks.audit.boxes import AuditImage, normalised_row
from tasks.audit.label_issues import AuditFindings
from tasks.audit.reasons import KINDS, Suspect
from tasks.core import AuditParams, Layout, atomic_dir, write_json

IMAGES_FILE, BOXES_FILE, PREDICTIONS_FILE, REPORT_FILE = "images.json", "boxes.json", "predictions.json", "report.md"


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def suspect_record(suspect: Suspect, image: AuditImage, names: list[str]) -> dict:
    return {
        "kind": suspect.kind,
        "box": suspect.box,
        "label": names[suspect.cls],
        "bounding_box": normalised_row(suspect.xyxy, image.width, image.height),
        "score": suspect.score,
        "priority": suspect.priority,
        "reason": suspect.reason,
        "evidence": suspect.evidence,
    }


def image_record(findings: AuditFindings, i: int) -> dict:
    image, cleanlab, fo = findings.images[i], findings.cleanlab[i], findings.mistakenness[i]
    return {
        "fold": image.fold,
        "label_quality": _number(cleanlab.quality),
        "label_issue": cleanlab.issue,
        "audit_score": round(findings.audit_score(i), 6),
        "reasons": [s.reason for s in findings.suspects[i]],
        "mistakenness": _number(fo.image),
        "possible_missing": fo.missing,
        "possible_spurious": fo.spurious,
    }


def box_records(findings: AuditFindings, i: int) -> dict:
    image, cleanlab, fo, names = findings.images[i], findings.cleanlab[i], findings.mistakenness[i], findings.names
    boxes = [
        {
            "line": box.line,
            "label": names[box.cls],
            "bounding_box": normalised_row(box.xyxy, image.width, image.height),
            "cleanlab_swap": _number(cleanlab.swap[b]),
            "cleanlab_badloc": _number(cleanlab.badloc[b]),
            "mistakenness": _number(fo.box_class[b]),
            "mistakenness_loc": _number(fo.box_location[b]),
            "possible_spurious": fo.box_spurious[b],
        }
        for b, box in enumerate(image.truth)
    ]
    return {"boxes": boxes, "suspects": [suspect_record(s, image, names) for s in findings.suspects[i]]}


def prediction_rows(image: AuditImage, names: list[str]) -> list[list]:
    return [[names[p.cls], p.conf, *normalised_row(p.xyxy, image.width, image.height)] for p in image.predictions]


def markdown(findings: AuditFindings, rows: int) -> str:
    ranked = sorted(
        ((s, image) for image, suspects in zip(findings.images, findings.suspects, strict=True) for s in suspects),
        key=lambda pair: (-pair[0].priority, pair[1].key),
    )
    lines = [
        "# Label audit: the boxes most likely wrong",
        "",
        "Out-of-fold predictions (each image predicted by a model that never saw it), cleanlab and FiftyOne scores.",
        "",
        "| rank | image | box (line) | reason's score | reason |",
        "|---|---|---|---|---|",
    ]
    for rank, (suspect, image) in enumerate(ranked[:rows], start=1):
        box = "new" if suspect.box is None else str(suspect.box)
        lines.append(f"| {rank} | {image.key} | {box} | {suspect.score:.3f} | {suspect.reason} |")
    return "\n".join(lines) + "\n"


WEAK_MODELS = (
    "the fold models made no prediction at or above audit.confident ({}): the audit can flag nothing; "
    "train them longer (audit.epochs, train.epochs) or lower audit.confident"
)


def write_audit_reports(findings: AuditFindings, dest: Path, rows: int, confident_at: float) -> dict:
    """Write reports/audit atomically; return the summary (metrics/audit.json, a DVC output), with a warning
    when the fold models are too weak to have an opinion on anything."""
    keys = [image.key for image in findings.images]
    with atomic_dir(dest) as staging:
        images = {key: image_record(findings, i) for i, key in enumerate(keys)}
        write_json(staging / IMAGES_FILE, {"names": findings.names, "images": images})
        write_json(staging / BOXES_FILE, {key: box_records(findings, i) for i, key in enumerate(keys)})
        rows_by_key = {image.key: prediction_rows(image, findings.names) for image in findings.images}
        write_json(staging / PREDICTIONS_FILE, {"names": findings.names, "images": rows_by_key})
        (staging / REPORT_FILE).write_text(markdown(findings, rows))
    kinds = Counter(s.kind for suspects in findings.suspects for s in suspects)
    confident = sum(p.conf >= confident_at for image in findings.images for p in image.predictions)
    warnings = [] if confident else [WEAK_MODELS.format(confident_at)]
    return {
        "confident_predictions": confident,
        "warnings": warnings,
        "images": len(keys),
        "boxes": sum(len(image.truth) for image in findings.images),
        "suspect_images": sum(bool(s) for s in findings.suspects),
        "suspects": {kind: kinds.get(kind, 0) for kind in KINDS},
        "cleanlab_label_issues": sum(c.issue for c in findings.cleanlab),
    }


def write_audit_summary(layout: Layout, findings: AuditFindings, section: AuditParams, wall_s: float) -> dict:
    """The audit stage's outputs: reports/audit, then metrics/audit.json (its warnings also printed)."""
    summary = write_audit_reports(findings, layout.reports / "audit", section.report_rows, section.confident)
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    summary = {**summary, "folds": section.folds, "wall_s": round(wall_s, 2)}
    write_json(layout.metrics / "audit.json", summary)
    return summary


@dataclass
class AuditReport:
    """reports/audit read back: per image key, its record (images.json) and its boxes and suspects (boxes.json)."""

    names: list[str]
    images: dict[str, dict]
    boxes: dict[str, dict]
    predictions: dict[str, list[list]]

    def ranked_images(self) -> list[str]:
        """Images with a suspect, the strongest first (ties: cleanlab's lower label quality, then the key)."""
        suspect = [k for k, r in self.images.items() if r["audit_score"] > 0]
        return sorted(suspect, key=lambda k: (-self.images[k]["audit_score"], self.images[k]["label_quality"] or 1, k))


def read_audit(folder: Path) -> AuditReport | None:
    """reports/audit, or None when the audit has not run (the index and the batch then go without it)."""
    if not (folder / IMAGES_FILE).exists():
        return None
    images = json.loads((folder / IMAGES_FILE).read_text())
    predictions = json.loads((folder / PREDICTIONS_FILE).read_text())
    boxes = json.loads((folder / BOXES_FILE).read_text())
    return AuditReport(images["names"], images["images"], boxes, predictions["images"])
