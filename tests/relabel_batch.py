"""A relabel batch written by the real export (tasks/mine/relabel_export.py) without training a model.

Built-in scenes are rendered as pool images and their true boxes stand in for the detector's
drafts, so the Label Studio and loop-page tests get a batch in a second instead of a
prepare -> train -> mine run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from tasks.core.schema_data import BuiltinParams
from tasks.core.yolo_files import read_labels
from tasks.mine.pool_scoring import ScoredImage
from tasks.mine.relabel_export import export_relabel_batch
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
