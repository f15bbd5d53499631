"""The active-learning loop through DVC on real photos: import, repro (with mine), labels import, repro trains on them.

A team's LabelImg folder (playing-cards: an xml beside each photo) is the labelled set, a folder
of other photos of the same cards, imported `--unlabelled`, is the pool (`prepare.pool`). The
first `dvc repro` hands out a batch of those photos with draft boxes; a labeller who knows the
truth (the photos' own LabelImg xml) sends back their labels; `yoloop labels import` versions
them; with `mine.round: 2` the next `dvc repro` trains on them and hands out other photos.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from testkit.processes import python
from testkit.profiles import TINY
from tests.real_data import real_datasets
from tests.relabel_batch import labels_from_voc

pytestmark = pytest.mark.slow

LABELLED, PHOTOS = 24, 8  # the first 24 of playing-cards/images/train; 8 of images/test, without their xml
CLASSES = {"base": ["ace", "king", "queen", "jack", "ten"], "new": ["nine"]}
REAL_ROUND = {
    "prepare": {
        "source": "datasets",
        "classes": CLASSES,
        "datasets": [{"name": "cards"}],
        "resplit": {"val": 0.2, "test": 0.2},
        "pool": ["shop"],
    },
    "audit": {"folds": 2},
    "evaluate": {"export": {"onnx": False, "int8": False}, "speed_images": 4, "bootstrap": 100},
}


def dvc(*args: str, cwd: Path) -> str:
    return python("-m", "dvc", *args, cwd=cwd).stdout


def yoloop(*args: str, cwd: Path) -> str:
    return python("-m", "cli", *args, cwd=cwd).stdout


@pytest.fixture
def team_folders(tmp_path) -> tuple[Path, Path, Path]:
    """A LabelImg folder (images/train/*.JPG + .xml), a folder of photos alone, and where their xml lies."""
    cards = real_datasets() / "playing-cards" / "images"
    labelled, photos = tmp_path / "cards" / "images" / "train", tmp_path / "photos"
    labelled.mkdir(parents=True)
    photos.mkdir()
    for xml in sorted((cards / "train").glob("*.xml"))[:LABELLED]:
        shutil.copy(xml, labelled)
        shutil.copy(xml.with_suffix(".JPG"), labelled)
    for photo in sorted((cards / "test").glob("*.JPG"))[:PHOTOS]:
        shutil.copy(photo, photos)
    return tmp_path / "cards", photos, cards / "test"


def batch_files(repo: Path, round_number: int) -> list[str]:
    manifest = json.loads((repo / f"data/relabel/round-{round_number}/manifest.json").read_text())
    return sorted(entry["file"] for entry in manifest["images"])


def test_real_photos_go_round_and_come_back_labelled(make_project, team_folders, tmp_path):
    project = make_project(name="repo", repo=True)
    repo, (cards, photos, truth) = project.root, team_folders
    assert "versioned with DVC: data/raw/cards.dvc" in yoloop("import", str(cards), "--name", "cards", cwd=repo)
    shop = yoloop("import", str(photos), "--name", "shop", "--unlabelled", cwd=repo)
    assert f"images: {{'pool': {PHOTOS}}}" in shop and "versioned with DVC: data/raw/shop.dvc" in shop
    project.update_params(REAL_ROUND)

    assert "Running stage 'mine'" in dvc("repro", cwd=repo)
    first = batch_files(repo, 1)
    assert len(first) == TINY["mine"]["k"] and all(name.startswith("shop__") for name in first), first
    drafts = [(repo / "data/relabel/round-1/labels" / f"{Path(name).stem}.txt").read_text() for name in first]
    assert all(draft.strip() for draft in drafts), "every photo of the batch comes with draft boxes"
    before = json.loads((repo / "metrics/prepare.json").read_text())["images"]

    returned = labels_from_voc(repo / "data/relabel/round-1", truth, tmp_path / "returned")
    assert f"imported {len(first)} label files" in yoloop("labels", "import", str(tmp_path / "returned"), cwd=repo)
    project.update_params({"mine": {"round": 2}})
    second = dvc("repro", cwd=repo)
    for stage in ("prepare", "train", "transfer", "evaluate", "audit", "mine"):
        assert f"Running stage '{stage}'" in second

    after = json.loads((repo / "metrics/prepare.json").read_text())["images"]
    assert after["new/train"] == before["new/train"] + len(first), (before, after)
    train = repo / "data/prepared/new"
    for label in returned:
        assert (train / "labels/train" / label.name).read_bytes() == label.read_bytes()
        assert (train / "images/train" / f"{label.stem}.jpg").is_file()
    next_batch = batch_files(repo, 2)
    assert len(next_batch) == TINY["mine"]["k"] and not set(next_batch) & set(first), (first, next_batch)
