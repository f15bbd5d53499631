"""A generated corpus of broken inputs (YOLO, VOC, COCO): every planted defect gives its own finding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from tasks.core import Finding
from tasks.data import import_dataset
from tests.broken_corpus import Defect, write_coco, write_voc, write_yolo


def _run(source: Path, tmp_path: Path) -> tuple[list[Finding], dict, Path]:
    result = import_dataset(source, "broken", raw=tmp_path / "raw", use_dvc=False)
    return [Finding(**f) for f in result.report["findings"]], result.report, result.dest


def _unmatched(defects: list[Defect], findings: list[Finding]) -> list[Defect]:
    """The defects that did not give exactly one finding of their own."""

    def hits(d: Defect) -> int:
        return sum(
            Path(f.path).name == d.file and d.fragment in f.reason and f.severity == d.severity for f in findings
        )

    return [d for d in defects if hits(d) != 1]


def test_yolo_corpus(tmp_path):
    defects = write_yolo(tmp_path / "src")
    findings, report, _ = _run(tmp_path / "src" / "data.yaml", tmp_path)
    assert len(defects) >= 25 and len({(d.file, d.fragment) for d in defects}) == len(defects)
    assert _unmatched(defects, findings) == []
    bad = {
        "class",
        "empty",
        "fields",
        "flat",
        "fraction",
        "latin1",
        "nan",
        "range",
        "text",
        "tiny",
        "truncated",
        "word",
    }
    assert sorted(Path(q["file"]).stem for q in report["quarantined"]) == sorted(bad | {"leak"})
    lines = {Path(f.path).name: f.line for f in findings if f.path.endswith(".txt") and f.severity == "error"}
    assert lines["fields.txt"] == 2 and lines["class.txt"] == 1 and lines["latin1.txt"] is None


def test_yolo_corpus_copies_are_clean_rgb(tmp_path):
    write_yolo(tmp_path / "src")
    _, _, dest = _run(tmp_path / "src" / "data.yaml", tmp_path)
    modes = {p.name: (Image.open(p).mode, Image.open(p).size) for p in (dest / "images/train").iterdir()}
    assert modes["gray.png"][0] == modes["deep.png"][0] == modes["alpha.png"][0] == modes["cmyk.jpg"][0] == "RGB"
    assert modes["turned.jpg"] == ("RGB", (48, 64))  # upright: 64x48 stored, EXIF 6
    assert "named.png" in modes and "copy_b.jpg" not in modes
    assert (dest / "quarantine/images/train/truncated.jpg").is_file()


def test_voc_corpus_and_boxes_follow_exif(tmp_path):
    defects = write_voc(tmp_path / "voc")
    findings, report, dest = _run(tmp_path / "voc", tmp_path)
    assert _unmatched(defects, findings) == []
    [turned] = [m for m in json.loads((dest / "manifest.json").read_text())["images"] if "turned" in m["file"]]
    pixels = np.asarray(Image.open(dest / turned["file"]).convert("L")) > 200
    ys, xs = np.nonzero(pixels)
    white = ((xs.min() + xs.max() + 1) / 2 / 48, (ys.min() + ys.max() + 1) / 2 / 64)
    assert np.allclose(turned["boxes"][0][1:3], white, atol=0.03)  # the box sits on the white block, upright


def test_coco_corpus(tmp_path):
    defects = write_coco(tmp_path / "coco")
    findings, report, _ = _run(tmp_path / "coco", tmp_path)
    assert _unmatched(defects, findings) == []
    assert report["images"]["train"] == 2  # im3 (crowd only: a background) and im4; im1 and im2 quarantined
