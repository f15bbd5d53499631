"""What the audit adds to the FiftyOne index (tasks/index/build.py), read from reports/audit.

Per labelled sample: `label_quality` (cleanlab, 0 dirty .. 1 clean), `audit_score` (its strongest
suspect's score), `audit_reasons` (one line per suspect box), `audit_fold`, FiftyOne's mistakenness
from the out-of-fold predictions (`oof_mistakenness`, `oof_possible_missing`, `oof_possible_spurious`),
the out-of-fold predictions themselves (`oof_predictions`) and the objects the labels miss
(`audit_missing`, the model's boxes, each with its reason). Each suspect ground-truth box gets the
attributes `audit_reason` and `audit_score` (its priority, tasks/audit/reasons.py). The
`possible_label_mistakes` view then holds the samples with a suspect, the highest audit score first
(ties: the lower label quality first).
"""

from __future__ import annotations

from tasks.audit import AuditReport

FLOAT_FIELDS = {
    "label_quality": "label_quality",
    "audit_score": "audit_score",
    "oof_mistakenness": "mistakenness",
    "oof_possible_missing": "possible_missing",
    "oof_possible_spurious": "possible_spurious",
}
LABEL_FIELDS = ("oof_predictions", "audit_missing")


def audit_fields(report: AuditReport, key: str, truth: dict | None, detections_doc) -> dict:
    """The audit's fields of one sample's record; marks its suspect boxes in `truth` (a stored fo.Detections).

    `detections_doc` turns [label, conf, x, y, w, h] rows into a stored fo.Detections (the index's own).
    """
    record = report.images.get(key)
    if record is None or truth is None:
        return {}
    suspects = report.boxes[key]["suspects"]
    for suspect in suspects:
        if suspect["box"] is not None and suspect["box"] < len(truth["detections"]):
            truth["detections"][suspect["box"]].update(audit_reason=suspect["reason"], audit_score=suspect["priority"])
    missing = [s for s in suspects if s["box"] is None]
    missing_doc = detections_doc([[s["label"], s["evidence"].get("conf"), *s["bounding_box"]] for s in missing])
    for detection, suspect in zip(missing_doc["detections"], missing, strict=True):
        detection.update(audit_reason=suspect["reason"], audit_score=suspect["priority"])
    return {
        **{field: record.get(source) for field, source in FLOAT_FIELDS.items()},
        "audit_reasons": record["reasons"],
        "audit_fold": record["fold"],
        "oof_predictions": detections_doc(report.predictions.get(key, [])),
        "audit_missing": missing_doc,
    }


def ingest_audit(index, records: list[dict]) -> None:
    """Write the audit's fields of every record (None for samples it did not cover) in bulk."""
    from tasks.core import load_fiftyone

    fo = load_fiftyone()
    if not any("audit_score" in r for r in records):
        return
    for field in LABEL_FIELDS:
        index.add_sample_field(field, fo.EmbeddedDocumentField, embedded_doc_type=fo.Detections)
        index.set_values(field, [r.get(field) for r in records], validate=False)
    for field in FLOAT_FIELDS:
        index.add_sample_field(field, fo.FloatField)
        index.set_values(field, [r.get(field) for r in records], validate=False)
    index.add_sample_field("audit_reasons", fo.ListField, subfield=fo.StringField)
    index.set_values("audit_reasons", [r.get("audit_reasons") for r in records], validate=False)
    index.add_sample_field("audit_fold", fo.IntField)
    index.set_values("audit_fold", [r.get("audit_fold") for r in records], validate=False)


def label_mistakes_view(labelled):
    """The samples with a suspect box, the strongest first; None when the index holds no audit."""
    from fiftyone import ViewField as F

    if "audit_score" not in labelled.get_field_schema():
        return None
    return labelled.match(F("audit_score") > 0).sort_by([("audit_score", -1), ("label_quality", 1)])
