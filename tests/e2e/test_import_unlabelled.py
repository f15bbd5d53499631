"""`yoloop import DIR --name NAME --unlabelled`: real photos and a video written here, checked like labelled data.

The folder mixes what a team's photo folder holds: nested folders, upper-case extensions,
a byte copy, a picture that a labelled import already holds, a truncated JPEG, a grayscale
PNG, an EXIF-rotated photo and a video of four still scenes (so consecutive samples of
one scene are near-identical and dropped). The pool gets each good picture once, and
never the labelled one; the truncated one goes to quarantine.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from tasks.core import ImportParams
from tasks.data import import_dataset
from testkit.processes import init_repo, python
from tests.broken_corpus import png, with_orientation
from tests.real_data import real_datasets

CARDS = ["IMG_2383", "IMG_2384", "IMG_2387", "IMG_2391"]  # LabelImg photos of playing-cards/images/test
SCENES, FRAMES_PER_SCENE, VIDEO_FPS = 4, 10, 10


def write_video(path: Path) -> None:
    """Four still scenes of one second each (random blocks: far apart in dHash), mp4 at 10 fps."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), VIDEO_FPS, (160, 120))
    for scene in range(SCENES):
        blocks = np.random.default_rng(scene).integers(0, 255, (6, 8, 3), dtype=np.uint8)
        frame = cv2.resize(blocks, (160, 120), interpolation=cv2.INTER_NEAREST)
        for _ in range(FRAMES_PER_SCENE):
            writer.write(frame)
    writer.release()


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    """A labelled LabelImg set of two cards, and a photo folder that shares one picture with it."""
    cards = real_datasets() / "playing-cards" / "images" / "test"
    labelled, photos = tmp_path / "labelled", tmp_path / "photos"
    labelled.mkdir()
    for stem in CARDS[:2]:
        shutil.copy(cards / f"{stem}.JPG", labelled)
        shutil.copy(cards / f"{stem}.xml", labelled)
    (photos / "sub" / "deeper").mkdir(parents=True)
    shutil.copy(cards / f"{CARDS[2]}.JPG", photos / "a.jpg")
    shutil.copy(cards / f"{CARDS[3]}.JPG", photos / "sub" / "B.JPG")
    shutil.copy(cards / f"{CARDS[2]}.JPG", photos / "sub" / "copy_of_a.JPEG")
    shutil.copy(cards / f"{CARDS[0]}.JPG", photos / "already_labelled.jpg")
    (photos / "broken.jpg").write_bytes((cards / f"{CARDS[3]}.JPG").read_bytes()[:4000])
    (photos / "sub" / "deeper" / "gray.PNG").write_bytes(png(Image.open(cards / f"{CARDS[3]}.JPG").convert("L")))
    (photos / "turned.jpg").write_bytes(with_orientation(Image.open(cards / f"{CARDS[2]}.JPG").rotate(90), 6))
    (photos / "notes.txt").write_text("not a picture\n")
    write_video(photos / "clip.mp4")
    return labelled, photos


def test_unlabelled_folder_with_a_video(folders, tmp_path):
    labelled, photos = folders
    raw, params = tmp_path / "raw", ImportParams(video_fps=2)
    import_dataset(labelled, "cards", params=params, raw=raw, use_dvc=False)
    result = import_dataset(photos, "photos", params=params, raw=raw, use_dvc=False, unlabelled=True)
    manifest = json.loads((result.dest / "manifest.json").read_text())
    files = sorted(Path(m["file"]).name for m in manifest["images"])
    frames = [f"clip_f{index:06d}.jpg" for index in range(0, SCENES * FRAMES_PER_SCENE, FRAMES_PER_SCENE)]
    assert files == sorted(["a.jpg", "B.jpg", "gray.png", "turned.jpg", *frames])  # 4 photos, one frame a scene
    assert result.report["images"] == {"pool": 8}
    assert [Path(q["file"]).name for q in result.report["quarantined"]] == ["broken.jpg"]
    reasons = {Path(f["path"]).name: f["reason"] for f in result.report["findings"]}
    assert reasons["already_labelled.jpg"] == "already in the labelled dataset cards; left out of the pool"
    assert reasons["copy_of_a.JPEG"] == "same content as a.jpg in pool; kept once"
    assert reasons["clip.mp4"].startswith("video: 8 frames sampled at 2 per second over 3.5 s; 4 near-identical")
    assert "grayscale image converted" in reasons["gray.PNG"] and "EXIF orientation 6" in reasons["turned.jpg"]
    assert {m["origin"] for m in manifest["images"] if "origin" in m} == {
        f"clip.mp4 frame {i} ({i / VIDEO_FPS:.2f} s)" for i in range(0, 40, 10)
    }
    assert all(m["boxes"] == [] and m["split"] == "pool" for m in manifest["images"])
    assert not (result.dest / "labels").exists() and not (result.dest / "data.yaml").exists()
    assert Image.open(result.dest / "images/pool/turned.jpg").size == Image.open(photos / "a.jpg").size[::-1]


def test_one_video_alone_and_every_frame_kept_when_asked(folders, tmp_path):
    _, photos = folders
    params = ImportParams(video_fps=VIDEO_FPS, frame_duplicate_bits=0)
    strict = ImportParams(video_fps=VIDEO_FPS, frame_duplicate_bits=64)
    loose = import_dataset(photos / "clip.mp4", "clip", params=params, raw=tmp_path, use_dvc=False, unlabelled=True)
    kept = loose.report["images"]["pool"]
    assert SCENES <= kept <= SCENES * FRAMES_PER_SCENE
    tight = import_dataset(photos / "clip.mp4", "clip1", params=strict, raw=tmp_path, use_dvc=False, unlabelled=True)
    assert tight.report["images"] == {"pool": 1}  # every frame within 64 bits of the first: one kept


def test_cli_unlabelled_import_is_versioned(folders, tmp_path):
    _, photos = folders
    repo = init_repo(tmp_path / "repo")
    cmd = ("-m", "cli", "import", str(photos), "--name", "photos", "--unlabelled", "--fps", "2")
    out = python(*cmd, cwd=repo).stdout
    assert "images: {'pool': 9}" in out and "quarantined: 1" in out  # no labelled set here: 9 in the pool
    assert "versioned with DVC: data/raw/photos.dvc" in out
    assert "up to date" in python("-m", "dvc", "status", "data/raw/photos.dvc", cwd=repo).stdout
