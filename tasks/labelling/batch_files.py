"""The files of a relabel batch that labelling tools read, and the round manifests: one place for their formats.

A batch (data/relabel/round-N, written by the mine stage) holds, beside its images, draft labels and
manifest.json:
  cvat_annotations.xml       "CVAT for images 1.1" (Tasks > Upload annotations), boxes as source="auto"
  label_studio_tasks.json    Label Studio JSON tasks with `predictions` (pre-annotations)
  label_studio_config.xml    the matching labelling config (RectangleLabels)
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from tasks.core import MANIFEST, Label, read_manifest

CVAT_FILE = "cvat_annotations.xml"
LABEL_STUDIO_TASKS = "label_studio_tasks.json"
LABEL_STUDIO_CONFIG = "label_studio_config.xml"


def cvat_xml(entries: list[tuple[str, int, int, list[Label]]], names: list[str], task: str) -> str:
    """CVAT for images 1.1: <annotations><version/><meta/><image><box/></image>...</annotations>."""
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    meta_task = ET.SubElement(ET.SubElement(root, "meta"), "task")
    ET.SubElement(meta_task, "name").text = task
    ET.SubElement(meta_task, "size").text = str(len(entries))
    labels = ET.SubElement(meta_task, "labels")
    for name in names:
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = name
        ET.SubElement(label, "attributes")
    for index, (file_name, width, height, rows) in enumerate(entries):
        image = ET.SubElement(root, "image", id=str(index), name=file_name, width=str(width), height=str(height))
        for row in rows:
            corners = dict(zip(("xtl", "ytl", "xbr", "ybr"), row.corners(width, height), strict=True))
            attrs = {"label": names[row.cls], "source": "auto", "occluded": "0", "z_order": "0"}
            ET.SubElement(image, "box", {**attrs, **{k: f"{v:.2f}" for k, v in corners.items()}})
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def label_studio_region(index: int, row: Label, names: list[str], width: int, height: int) -> dict:
    """One draft box as a Label Studio rectangle: top-left corner and size in percent of the image."""
    x0, y0, _, _ = row.corners(100, 100)
    return {
        "id": f"draft{index}",
        "from_name": "label",
        "to_name": "image",
        "type": "rectanglelabels",
        "original_width": width,
        "original_height": height,
        "image_rotation": 0,
        "value": {
            "x": x0,
            "y": y0,
            "width": 100 * row.w,
            "height": 100 * row.h,
            "rotation": 0,
            "rectanglelabels": [names[row.cls]],
        },
    }


def label_studio_task(file_name: str, width: int, height: int, rows: list[Label], names: list[str], model: str) -> dict:
    """One task: the image (served from Label Studio local storage) and the drafts as a prediction."""
    result = [label_studio_region(i, r, names, width, height) for i, r in enumerate(rows)]
    return {
        "data": {"image": f"/data/local-files/?d=images/{file_name}"},
        "predictions": [{"model_version": model, "result": result}],
    }


def label_studio_config(names: list[str]) -> str:
    labels = "\n".join(f'    <Label value="{name}"/>' for name in names)
    rectangles = f'  <RectangleLabels name="label" toName="image">\n{labels}\n  </RectangleLabels>\n'
    return f'<View>\n  <Image name="image" value="$image"/>\n{rectangles}</View>\n'


def round_manifests(folder: Path) -> dict[Path, dict]:
    """The manifest of each round folder (data/relabel/round-N or data/labels/round-N), by folder, in name order."""
    return {manifest.parent: read_manifest(manifest.parent) for manifest in sorted(folder.glob(f"round-*/{MANIFEST}"))}
