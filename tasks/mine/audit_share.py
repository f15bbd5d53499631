"""The audit's share of a relabel batch: the images whose labels are most likely wrong, suspect boxes marked.

With `mine.audit_share` s, round(s * k) places of the batch go to the top images of the audit's
ranking (reports/audit; images handed out or returned before are skipped), the rest to mined pool
images. An audit image comes with its current labels (labels/*.txt, to correct in place), and in
the CVAT and Label Studio files each suspect box carries its reason: in CVAT a text attribute
`audit` on the box, in Label Studio a per-region text `audit` on the region. An object the labels
miss is added there as a suggested box (CVAT source="auto"), marked the same way; it is not in
labels/*.txt, which hold the labels as they are. A batch without audit images is written exactly
as before (no attribute, no extra tag).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from PIL import Image

from tasks.audit import AuditReport, read_audit
from tasks.core import InputError, Label, Layout, MineParams, label_path, read_labels, write_labels
from tasks.labelling import label_studio_task
from tasks.mine.selection import Choice

AUDIT_ATTRIBUTE = "audit"
AUDIT_TEXTAREA = f'  <TextArea name="{AUDIT_ATTRIBUTE}" toName="image" perRegion="true" displayMode="region-list"/>\n'


def audit_places(k: int, share: float) -> int:
    """Places of a batch of k that go to the audit (half up: 0.1 of 20 is 2, 0.1 of 5 is 1)."""
    return min(k, int(k * share + 0.5))


@dataclass(frozen=True)
class AuditChoice:
    image: str  # the prepared image's key (data/prepared/.../x.jpg)
    rank: int  # 1-based, in the audit's ranking
    record: dict  # its entry of reports/audit/images.json
    suspects: list[dict]  # its suspects of reports/audit/boxes.json
    path: Path  # the image file, in the project the key is named from

    @property
    def reason(self) -> str:
        more = f" (+{len(self.suspects) - 1} more)" if len(self.suspects) > 1 else ""
        return f"label audit rank {self.rank}: {self.suspects[0]['reason']}{more}"


def choose_audit_images(
    report: AuditReport | None, places: int, earlier: set[str], layout: Layout
) -> list[AuditChoice]:
    """The top `places` suspect images of the audit that no earlier round handed out or took back."""
    if report is None or places <= 0:
        return []
    ranked = [
        (rank, key)
        for rank, key in enumerate(report.ranked_images(), start=1)
        if key not in earlier and (layout.root / key).exists()  # an image gone since the audit ran is skipped
    ]
    return [
        AuditChoice(key, rank, report.images[key], report.boxes[key]["suspects"], layout.root / key)
        for rank, key in ranked[:places]
    ]


def suggestion(suspect: dict, names: list[str]) -> Label:
    """A missing object's box (the model's), as a YOLO row of the batch's class list."""
    x, y, w, h = suspect["bounding_box"]
    return Label.from_corners(names.index(suspect["label"]), x, y, x + w, y + h)


@dataclass
class AuditBatch:
    """The audit images of one batch, and how they enter its files (see tasks/mine/relabel_export.py)."""

    choices: list[AuditChoice]
    names: list[str]
    marks: list[dict[int, str]] = field(default_factory=list)  # per audit image: row -> reason
    labelled: list[int] = field(default_factory=list)  # per audit image: rows that are its labels
    first_entry: int = 0  # the first audit image's place among the batch's images

    def rows(self, choice: AuditChoice) -> tuple[list[Label], list[Label], dict[int, str]]:
        """The image's labels, its suggested boxes, and the reason of each row (labels, then suggestions)."""
        labels = read_labels(label_path(choice.path))
        marks = {s["box"]: s["reason"] for s in choice.suspects if s["box"] is not None}
        missing = [s for s in choice.suspects if s["box"] is None]
        for index, suspect in enumerate(missing, start=len(labels)):
            marks[index] = suspect["reason"]
        return labels, [suggestion(s, self.names) for s in missing], marks

    def __bool__(self) -> bool:
        return bool(self.choices)

    def add_to(self, staging: Path, entries: list, tasks: list, manifest_rows: list, model: str) -> None:
        """Copy each image and its labels into the batch; add its CVAT entry, Label Studio task and manifest row."""
        self.first_entry = len(entries)
        for choice in self.choices:
            source = choice.path
            if (staging / "images" / source.name).exists():
                raise InputError(f"{source}: a pool image of this batch has the same file name; rename one of them")
            shutil.copyfile(source, staging / "images" / source.name)
            labels, suggested, marks = self.rows(choice)
            write_labels(staging / "labels" / f"{source.stem}.txt", labels)
            with Image.open(source) as opened:
                width, height = opened.size
            entries.append((source.name, width, height, labels + suggested))
            task = label_studio_task(source.name, width, height, labels + suggested, self.names, model)
            tasks.append(mark_label_studio_task(task, marks))
            self.marks.append(marks)
            self.labelled.append(len(labels))
            manifest_rows.append(manifest_row(choice, source.name, len(labels), len(suggested)))

    def mark_cvat(self, xml_text: str) -> str:
        """Declare the `audit` attribute on every label, and set it on each suspect box of the audit images."""
        root = ET.fromstring(xml_text.split("\n", 1)[1])
        for attributes in root.iter("attributes"):
            declared = ET.SubElement(attributes, "attribute")
            for key, value in (("name", AUDIT_ATTRIBUTE), ("mutable", "False"), ("input_type", "text")):
                ET.SubElement(declared, key).text = value
            ET.SubElement(declared, "default_value").text = ""
            ET.SubElement(declared, "values").text = ""
        images = root.findall("image")
        for offset, (marks, labelled) in enumerate(zip(self.marks, self.labelled, strict=True)):
            for index, box in enumerate(images[self.first_entry + offset].findall("box")):
                box.set("source", "manual" if index < labelled else "auto")
                if index in marks:
                    ET.SubElement(box, "attribute", name=AUDIT_ATTRIBUTE).text = marks[index]
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def mark_label_studio_config(self, config: str) -> str:
        """The labelling config with a per-region text area `audit` (where the reasons show)."""
        return config.replace("</View>\n", AUDIT_TEXTAREA + "</View>\n")


def mark_label_studio_task(task: dict, marks: dict[int, str]) -> dict:
    """Give each suspect region (by its row) a per-region `audit` text with its reason."""
    result = task["predictions"][0]["result"]
    for index, reason in sorted(marks.items()):
        region = result[index]
        value = {k: region["value"][k] for k in ("x", "y", "width", "height", "rotation")}
        result.append(
            {
                "id": region["id"],
                "from_name": AUDIT_ATTRIBUTE,
                "to_name": "image",
                "type": "textarea",
                "value": {**value, "text": [reason]},
            }
        )
    return task


def manifest_row(choice: AuditChoice, file_name: str, labels: int, suggested: int) -> dict:
    scores = {k: choice.record.get(k) for k in ("audit_score", "label_quality", "label_issue", "mistakenness")}
    return {
        "image": choice.image,
        "file": file_name,
        "rank": choice.rank,
        "reason": choice.reason,
        "source": "audit",
        "labels": labels,
        "draft_boxes": suggested,
        "suspects": choice.suspects,
        "scores": scores,
    }


def share_batch_with_audit(
    layout: Layout, section: MineParams, names: list[str], earlier: set[str], choices: list[Choice]
) -> tuple[list[Choice], AuditBatch | None]:
    """The mined choices that keep their places, and the audit's images (`mine.audit_share` of k, from
    reports/audit when the audit stage ran) that take the others; None when the batch has none."""
    report = read_audit(layout.reports / "audit")
    audit = choose_audit_images(report, audit_places(section.k, section.audit_share), earlier, layout)
    return choices[: section.k - len(audit)], (AuditBatch(audit, names) if audit else None)
