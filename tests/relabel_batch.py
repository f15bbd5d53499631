"""A relabel batch written by the real export (tasks/mine/relabel_export.py) without training a model.

Built-in scenes are rendered as pool images and their true boxes stand in for the detector's
drafts, so the Label Studio and loop-page tests get a batch in a second instead of a
prepare -> train -> mine run. `labels_from_voc` is the labeller of a batch of real photos whose
LabelImg xml lies elsewhere (tests/e2e/test_mining_loop.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from tasks.core import BuiltinParams, read_labels
from tasks.mine import export_relabel_batch
from tasks.mine.pool_scoring import ScoredImage
from tasks.mine.selection import Choice
from tasks.mine.uncertainty import Detections
from tasks.prepare.builtin import write_split
from tasks.prepare.glyphs import CLASS_SHAPES

NAMES = list(CLASS_SHAPES)
SIDE = 96
ONE_STAR = "2 0.500000 0.500000 0.200000 0.200000\n"  # a labeller's correction: one star in the middle


def drafts_from_truth(image: Path, truth: Path, index: int) -> ScoredImage:
    rows = read_labels(truth)
    boxes = np.array([[(r.x - r.w / 2), (r.y - r.h / 2), (r.x + r.w / 2), (r.y + r.h / 2)] for r in rows]) * SIDE
    conf = np.linspace(0.9, 0.5, len(rows)) - 0.01 * index
    found = Detections(boxes.reshape(-1, 4), conf, np.array([r.cls for r in rows], dtype=int))
    return ScoredImage(image, SIDE, SIDE, found, None, np.zeros(4, dtype=np.float32))


def write_batch(root: Path, count: int = 3, round_number: int = 1) -> Path:
    """root/data/relabel/round-N with `count` images of two or three boxes each; returns the batch folder."""
    builtin = BuiltinParams(
        image_size=SIDE,
        images=dict.fromkeys(("base_train", "base_val", "new_train", "new_val", "test", "pool"), count),
        objects_per_image=(2, 3),
    )
    pool, truth = root / "data/pool/images", root / "oracle/labels"
    write_split(f"pool{round_number}", count, [0, 1, 2], pool, truth, builtin, seed=11)
    images = sorted(pool.glob(f"pool{round_number}_*.jpg"))
    scored = {p.as_posix(): drafts_from_truth(p, truth / f"{p.stem}.txt", i) for i, p in enumerate(images)}
    choices = [Choice(key, rank, 1.0 - rank / 10, f"score rank {rank}") for rank, key in enumerate(scored, 1)]
    scores = {key: {"mining_score": 1.0 - rank / 10} for rank, key in enumerate(scored, 1)}
    header = {"round": round_number, "model": "train:1", "params": {}, "excluded": 0}
    dest = root / f"data/relabel/round-{round_number}"
    return export_relabel_batch(choices, scored, scores, NAMES, NAMES, header, dest, draft_conf=0.25)


def returned_labels(batch: Path, dest: Path) -> list[Path]:
    """A relabel batch's label files as a labeller sends them back (copied to dest/labels), sorted by name."""
    shutil.copytree(batch / "labels", dest / "labels")
    return sorted((dest / "labels").glob("*.txt"))


def labels_from_voc(batch: Path, truth: Path, dest: Path) -> list[Path]:
    """A labeller who knows the truth: each batch image's LabelImg xml in `truth` as YOLO labels in dest/labels.

    Pool images are named `<import>__<file>`; the xml is `<file stem>.xml`; ids follow the batch's `names`."""
    manifest = json.loads((batch / "manifest.json").read_text())
    (dest / "labels").mkdir(parents=True)
    for entry in manifest["images"]:
        stem = Path(entry["file"]).stem
        root = ET.parse(truth / f"{stem.split('__', 1)[1]}.xml").getroot()
        width, height = (float(root.findtext(f"size/{side}")) for side in ("width", "height"))
        rows = []
        for box in root.iter("object"):
            x0, y0, x1, y1 = (float(box.findtext(f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax", "ymax"))
            cls = manifest["names"].index(box.findtext("name"))
            x, y, w, h = (x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width, (y1 - y0) / height
            rows.append(f"{cls} {x:.6f} {y:.6f} {w:.6f} {h:.6f}")
        (dest / "labels" / f"{stem}.txt").write_text("\n".join(rows) + "\n")
    return sorted((dest / "labels").glob("*.txt"))
