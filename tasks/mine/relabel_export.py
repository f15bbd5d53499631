"""Write a relabel batch: images, draft YOLO labels, a manifest, and CVAT / Label Studio import files.

data/relabel/round-N/
  images/ labels/            the chosen pool images and the model's draft boxes (YOLO, full class list)
  manifest.json              round, model, classes, strategy; per image: rank, scores, the rule that chose it, why
  cvat_annotations.xml, label_studio_tasks.json, label_studio_config.xml: the labelling tools' files
                             (their formats: tasks/labelling/batch_files.py)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.core import MANIFEST, Label, atomic_dir, write_json, write_labels
from tasks.labelling import (
    CVAT_FILE,
    LABEL_STUDIO_CONFIG,
    LABEL_STUDIO_TASKS,
    cvat_xml,
    label_studio_config,
    label_studio_task,
    round_manifests,
)
from tasks.mine.pool_scoring import ScoredImage
from tasks.mine.selection import Choice

if TYPE_CHECKING:
    from tasks.mine.audit_share import AuditBatch


def draft_labels(image: ScoredImage, draft_conf: float, remap: dict[int, int]) -> list[Label]:
    """The model's boxes at or above `draft_conf`, as normalised YOLO rows; `remap`: model id -> dataset id.

    Rows that are the same once written (6 decimals) are kept once, so an untouched draft passes
    the label gate that `yoloop labels import` applies (it flags duplicate lines).
    """
    rows: dict[str, Label] = {}
    w, h = image.width, image.height
    for (x1, y1, x2, y2), conf, cls in zip(
        image.detections.boxes, image.detections.conf, image.detections.cls, strict=True
    ):
        if conf >= draft_conf:
            row = Label.from_corners(remap[int(cls)], x1, y1, x2, y2, w, h)
            if min(row.w, row.h) >= 1e-6:  # a box that rounds to no area is no draft
                rows.setdefault(row.line(), row)
    return list(rows.values())


def manifest_entry(choice: Choice, file_name: str, draft_boxes: int, scores: dict) -> dict:
    """What the manifest says of one chosen image: its key, file, rank, why it was chosen, its scores."""
    return {
        "image": choice.image,
        "file": file_name,
        "rank": choice.rank,
        "rule": choice.rule,
        "reason": choice.reason,
        "draft_boxes": draft_boxes,
        "scores": scores,
    }


def export_relabel_batch(
    choices: list[Choice],
    scored: dict[str, ScoredImage],
    scores: dict[str, dict],
    model_names: list[str],
    names: list[str],
    header: dict,
    dest: Path,
    draft_conf: float,
    audit: AuditBatch | None = None,
) -> Path:
    """Write the batch atomically to `dest` (data/relabel/round-N); `header` goes into the manifest.

    Labels use the dataset's class list `names` (every class, even one the model does not know yet),
    so labellers can add any class; the model's drafts are remapped to it by name. `audit` adds the
    label audit's images after the mined ones, suspect boxes marked (tasks/mine/audit_share.py).
    """
    remap = {i: names.index(n) for i, n in enumerate(model_names)}
    entries, tasks, rows_meta = [], [], []
    with atomic_dir(dest) as staging:
        (staging / "images").mkdir()
        for choice in choices:
            image = scored[choice.image]
            file_name = image.path.name
            shutil.copyfile(image.path, staging / "images" / file_name)
            rows = draft_labels(image, draft_conf, remap)
            write_labels(staging / "labels" / f"{image.path.stem}.txt", rows)
            entries.append((file_name, image.width, image.height, rows))
            tasks.append(label_studio_task(file_name, image.width, image.height, rows, names, header["model"]))
            rows_meta.append(manifest_entry(choice, file_name, len(rows), scores[choice.image]))
        if audit:
            audit.add_to(staging, entries, tasks, rows_meta, header["model"])
        write_json(staging / MANIFEST, {**header, "names": names, "images": rows_meta})
        cvat = cvat_xml(entries, names, f"yoloop relabel round {header['round']}")
        (staging / CVAT_FILE).write_text(audit.mark_cvat(cvat) if audit else cvat)
        (staging / LABEL_STUDIO_TASKS).write_text(json.dumps(tasks, indent=2) + "\n")
        config = label_studio_config(names)
        (staging / LABEL_STUDIO_CONFIG).write_text(audit.mark_label_studio_config(config) if audit else config)
    return dest


def earlier_choices(relabel: Path, labels: Path, round_number: int) -> set[str]:
    """Images handed out in another round, or whose labels came back in any round: never chosen again."""
    handed_out = {d: m for d, m in round_manifests(relabel).items() if d.name != f"round-{round_number}"}
    manifests = [*handed_out.values(), *round_manifests(labels).values()]
    return {entry["image"] for manifest in manifests for entry in manifest["images"]}
