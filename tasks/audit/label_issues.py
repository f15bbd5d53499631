"""The audit of a set of labelled images with predictions of models that never saw them: scores, then reasons."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tasks.audit.boxes import AuditImage
from tasks.audit.mistakenness import Mistakenness, fiftyone_mistakenness
from tasks.audit.reasons import Suspect, explain
from tasks.audit.scores import CleanlabScores, cleanlab_scores
from tasks.core import AuditParams


@dataclass
class AuditFindings:
    """Everything the audit found, image by image (all lists in the order of `images`)."""

    images: list[AuditImage]
    names: list[str]
    cleanlab: list[CleanlabScores]
    mistakenness: list[Mistakenness]
    suspects: list[list[Suspect]]

    def audit_score(self, index: int) -> float:
        """An image's score: its best suspect's priority (0 when it has none; tasks/audit/reasons.py)."""
        return max((s.priority for s in self.suspects[index]), default=0.0)


def find_label_issues(
    images: list[AuditImage], names: list[str], params: AuditParams, root: Path = Path(".")
) -> AuditFindings:
    """cleanlab's and FiftyOne's scores of every box, and the suspects with their reasons."""
    if not images:
        raise ValueError("no labelled images to audit")
    cleanlab = cleanlab_scores(images, len(names), params.confident)
    mistakenness = fiftyone_mistakenness(images, names, root)
    return AuditFindings(images, names, cleanlab, mistakenness, explain(images, cleanlab, names, params))
