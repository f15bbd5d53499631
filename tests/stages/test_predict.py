"""`yoloop predict` with the session's trained model on three photos and a short video the test writes: every
image and frame drawn, and the box table row for row the model's own predictions (Ultralytics' YOLO.predict at the
same conf and size). The model is tiny (two epochs), so the confidence is low enough that there are boxes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from testkit.processes import python
from tests.projects import Project

pytestmark = pytest.mark.slow

CONF, IMGSZ, FRAMES, SIDE = 0.001, 64, 4, 96


@pytest.fixture
def project(trained_project, tmp_path, monkeypatch) -> Project:
    """A copy of the session's trained project (never the shared one), its version 1 made champion."""
    copy = trained_project.copy_to(tmp_path / "project").enter(monkeypatch)
    copy.mlflow().set_registered_model_alias(copy.params().tracking.registered_model, "champion", "1")
    return copy


@pytest.fixture
def source(project) -> Path:
    """Three test photos of the project and a video of FRAMES frames made of them (MJPG .avi, SIDE px)."""
    folder = project.root / "incoming"
    (folder / "clips").mkdir(parents=True)
    photos = sorted((project.root / "data/prepared/test/images").glob("*"))[:3]
    for photo in photos:
        (folder / photo.name).write_bytes(photo.read_bytes())
    writer = cv2.VideoWriter(str(folder / "clips/walk.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 5, (SIDE, SIDE))
    for index in range(FRAMES):
        writer.write(cv2.resize(cv2.imread(str(photos[index % 3])), (SIDE, SIDE)))
    writer.release()
    return folder


def reference_rows(weights: Path, source: Path, iou: float) -> list[tuple]:
    """What Ultralytics itself predicts on each photo and each frame of the video, as sortable rows."""
    from ultralytics import YOLO

    model, rows = YOLO(str(weights)), []
    pictures = [(p.name, None, str(p)) for p in sorted(source.glob("*.*"))]
    capture = cv2.VideoCapture(str(source / "clips/walk.avi"))
    ok, frame = capture.read()
    while ok:
        pictures.append(("clips/walk.avi", len(pictures) - 3, frame))
        ok, frame = capture.read()
    capture.release()
    assert len(pictures) == 3 + FRAMES
    for file, index, picture in pictures:
        result = model.predict(picture, conf=CONF, imgsz=IMGSZ, iou=iou, device="cpu", verbose=False)[0]
        boxes = result.boxes
        for corners, conf, cls in zip(boxes.xyxy.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True):
            rows.append((file, index, result.names[int(cls)], conf, *corners))
    return rows


def table_rows(out: Path) -> list[tuple]:
    with (out / "boxes.csv").open() as listed:
        rows = [
            (r["file"], int(r["frame"]) if r["frame"] else None, r["class"], float(r["confidence"]))
            + tuple(float(r[k]) for k in ("x1", "y1", "x2", "y2"))
            for r in csv.DictReader(listed)
        ]
    return rows


def unmatched(got: list[tuple], expected: list[tuple]) -> list[tuple]:
    """The expected rows with no row of the table for the same picture and class, at the same confidence and corners
    (to the table's rounding); each table row matches once."""
    left = list(got)
    missing = []
    for row in expected:
        same = [g for g in left if g[:3] == row[:3] and np.allclose(g[3:], row[3:], atol=0.02)]
        if same:
            left.remove(same[0])
        else:
            missing.append(row)
    return missing


def test_predict_draws_every_image_and_frame_and_lists_the_models_own_boxes(project, source):
    out = project.root / "predicted"
    weights = project.root / "models/train/weights.pt"
    args = ["--model", str(weights), "--conf", str(CONF), "--imgsz", str(IMGSZ), "--out", str(out)]
    printed = python("-m", "cli", "predict", str(source), *args, cwd=project.root).stdout
    got, expected = table_rows(out), reference_rows(weights, source, project.params().evaluate.iou)
    assert len(got) > 0, "a model that predicts nothing tests nothing: lower CONF"
    assert len(got) == len(expected) and unmatched(got, expected) == []
    drawn = [p.relative_to(out / "drawn").as_posix() for p in (out / "drawn").rglob("*") if p.is_file()]
    assert sorted(drawn) == sorted(
        [p.name for p in source.glob("*.*")] + [f"clips/walk.avi/frame_{i:06d}.jpg" for i in range(FRAMES)]
    )
    table = json.loads((out / "boxes.json").read_text())
    assert len(table["boxes"]) == len(got) and len(table["inputs"]) == 3 + FRAMES
    drawn_on = {(b["file"], b["frame"]) for b in table["boxes"]}
    for entry in table["inputs"]:
        drawn = cv2.imread(str(out / entry["drawn"]))
        assert drawn is not None and drawn.shape[:2] == (entry["height"], entry["width"])
        if (entry["file"], entry["frame"]) in drawn_on and entry["frame"] is None:
            plain = cv2.imread(str(source / entry["file"]))
            assert np.abs(drawn.astype(int) - plain).sum() > 0, f"{entry['file']}: no box drawn"
    assert f"predicted 3 images and {FRAMES} frames of 1 videos" in printed and f"{len(got)} boxes" in printed


def test_predict_uses_the_champion_by_default(project, source):
    out = project.root / "by-champion"
    python(
        "-m", "cli", "predict", str(source / "clips/walk.avi"), "--conf", str(CONF), "--out", str(out), cwd=project.root
    )
    table = json.loads((out / "boxes.json").read_text())
    assert table["model"] == f"{project.params().tracking.registered_model} version 1 (champion)"
    assert len(table["inputs"]) == FRAMES and table["settings"]["imgsz"] == IMGSZ, "the size the model trained at"


def test_fiftyone_gets_a_dataset_of_its_own_with_every_box(project, source):
    from tasks.core import load_fiftyone

    out = project.root / f"fo-{project.fiftyone_dataset}"  # the dataset's name comes from the folder's: this test's own
    args = ["--model", "models/train/weights.pt", "--conf", str(CONF), "--out", str(out), "--fiftyone"]
    printed = python("-m", "cli", "predict", str(source), *args, cwd=project.root).stdout
    fo = load_fiftyone()
    name = f"{project.params().mine.fiftyone_dataset}-predict-{out.name}"
    assert f"FiftyOne dataset {name}: {3 + FRAMES} samples" in printed
    dataset = fo.load_dataset(name)
    try:
        table = json.loads((out / "boxes.json").read_text())
        assert len(dataset) == 3 + FRAMES and len(table["boxes"]) > 0
        assert dataset.count("predictions.detections") == len(table["boxes"])
        assert all(Path(path).is_file() for path in dataset.values("filepath")), "photos where they lie, frames kept"
        assert sorted(dataset.distinct("frame")) == list(range(FRAMES))
        assert not fo.dataset_exists(project.params().mine.fiftyone_dataset), "the project's index is not touched"
    finally:
        dataset.delete()
