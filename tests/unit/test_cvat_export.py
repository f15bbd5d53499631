"""The relabel batch's cvat_annotations.xml read back by Datumaro's CVAT 1.1 reader (the one CVAT itself uses).

Datumaro is a dev dependency (0.5.0: the newest release that installs against the project's
pins). The reader must find every image with its size, the batch's class list in order, and
each draft box at the corners the YOLO label file says.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tasks.core import read_labels
from tests.relabel_batch import NAMES, SIDE, write_batch


def datumaro_dataset(xml: Path):
    try:
        from datumaro.components.dataset import Dataset
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("datumaro (a dev dependency) is not installed: pip install -c constraints.txt -e '.[dev]'")
    return Dataset.import_from(str(xml), "cvat")


def test_datumaro_reads_the_cvat_export_with_every_box(tmp_path):
    batch = write_batch(tmp_path, count=3)
    dataset = datumaro_dataset(batch / "cvat_annotations.xml")
    from datumaro.components.annotation import AnnotationType

    assert [label.name for label in dataset.categories()[AnnotationType.label]] == NAMES
    items = {item.id: item for item in dataset}
    assert sorted(items) == sorted(p.stem for p in (batch / "images").iterdir())
    for stem, item in items.items():
        assert item.media.size == (SIDE, SIDE)
        drafts = read_labels(batch / "labels" / f"{stem}.txt")
        boxes = [a for a in item.annotations if a.type == AnnotationType.bbox]
        assert len(boxes) == len(item.annotations) == len(drafts) >= 2
        for box, draft in zip(boxes, drafts, strict=True):
            corners = [(draft.x - draft.w / 2) * SIDE, (draft.y - draft.h / 2) * SIDE]
            corners += [(draft.x + draft.w / 2) * SIDE, (draft.y + draft.h / 2) * SIDE]
            assert box.label == draft.cls and box.points == pytest.approx(corners, abs=0.006)


def test_datumaro_rejects_a_broken_export(tmp_path):
    """The check can fail: a box without its top-left x (`xtl`) is not CVAT 1.1 (the reader is lenient elsewhere)."""
    batch = write_batch(tmp_path, count=1)
    broken = tmp_path / "broken.xml"
    shutil.copyfile(batch / "cvat_annotations.xml", broken)
    broken.write_text(broken.read_text().replace(' xtl="', ' x="', 1))
    with pytest.raises(KeyError, match="xtl"):
        datumaro_dataset(broken)
