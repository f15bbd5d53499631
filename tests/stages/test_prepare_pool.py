"""The prepare stage on real steel photos (neu-det): `prepare.pool` from an unlabelled import, `prepare.oracle`
withholding a share of the train labels; the layout the oracle loop reads (tasks/loop/rounds.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.prepare import prepare_flow
from tasks.core import EXIT_BAD_INPUT, ImportParams, Layout, list_images, read_card, read_labels
from tasks.data import import_dataset
from tasks.loop.curves import reveal_labels
from tasks.loop.rounds import prepared_setup
from tasks.orchestration import run_stage
from tests.projects import Project
from tests.real_data import real_datasets

pytestmark = pytest.mark.slow  # a Prefect test server

CLASSES = ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
PER_CLASS = 8  # the first 8 of each class in IMAGES/: 48 labelled photos


@pytest.fixture
def project(make_project, tmp_path, prefect_harness) -> Project:
    """data/raw/steel_pool (imported first: the 30 validation photos and a copy of a labelled one), data/raw/neu."""
    neu = real_datasets() / "neu-det"
    project = make_project()
    labelled, photos = tmp_path / "src" / "neu", tmp_path / "src" / "photos"
    for folder in ("IMAGES", "ANNOTATIONS"):
        (labelled / folder).mkdir(parents=True)
    for name in CLASSES:
        for index in range(1, PER_CLASS + 1):
            shutil.copy(neu / "IMAGES" / f"{name}_{index}.jpg", labelled / "IMAGES")
            shutil.copy(neu / "ANNOTATIONS" / f"{name}_{index}.xml", labelled / "ANNOTATIONS")
    shutil.copytree(neu / "Validation_Images", photos)
    shutil.copy(neu / "IMAGES" / "crazing_1.jpg", photos / "labelled_later.jpg")
    raw = project.root / "data" / "raw"
    import_dataset(photos, "steel_pool", params=ImportParams(), raw=raw, use_dvc=False, unlabelled=True)
    import_dataset(labelled, "neu", params=ImportParams(), raw=raw, use_dvc=False)
    return project


def _params(project: Project, **prepare: object) -> Path:
    section = {"source": "datasets", "classes": {"base": CLASSES, "new": []}, "datasets": [{"name": "neu"}]}
    section["resplit"] = {"val": 0.2, "test": 0.2}
    return project.write_params({"prepare": {**section, **prepare}})


def _prepared_images(project: Project) -> list[Path]:
    prepared = Layout(project.root).prepared
    return list_images(prepared / "base" / "images") + list_images(prepared / "test" / "images")


def test_pool_from_unlabelled_photos(project, capsys):
    layout = Layout(project.root)
    assert run_stage(prepare_flow, ["--params", str(_params(project, pool=["steel_pool"]))]) == 0
    pool = sorted(p.name for p in list_images(layout.pool / "images"))
    assert len(pool) == 30 and all(name.startswith("steel_pool__") for name in pool)
    assert "steel_pool__labelled_later.jpg" not in pool  # the picture neu labels never enters the pool
    assert not any(layout.oracle.iterdir())  # nobody knows these photos' boxes
    assert len(_prepared_images(project)) == 6 * PER_CLASS


def test_oracle_withholds_a_share_of_train(project):
    layout = Layout(project.root)
    oracle_labels = layout.oracle / "labels"
    assert run_stage(prepare_flow, ["--params", str(_params(project, oracle={"split": "train", "share": 0.5}))]) == 0
    pool = list_images(layout.pool / "images")
    train = list_images(layout.prepared / "base" / "images" / "train")
    assert pool and train and len(pool) + len(_prepared_images(project)) == 6 * PER_CLASS
    labels = {p.stem for p in oracle_labels.iterdir()}
    assert labels == {p.stem for p in pool}
    assert all(read_labels(oracle_labels / f"{p.stem}.txt") for p in pool)  # neu-det: boxes on all
    setup = prepared_setup(read_card(layout.prepared), layout.pool / "images", oracle_labels, 4, 0)
    revealed = reveal_labels(setup.pool[:3], setup.oracle_labels, project.root / "round")
    assert [read_labels(project.root / "round/labels" / f"{p.stem}.txt") for p in revealed] == [
        read_labels(oracle_labels / f"{p.stem}.txt") for p in setup.pool[:3]
    ]
    first = sorted(p.name for p in pool)
    assert run_stage(prepare_flow, ["--params", str(_params(project, oracle={"split": "train", "share": 0.5}))]) == 0
    assert sorted(p.name for p in list_images(layout.pool / "images")) == first  # seeded: the same photos


def test_pool_and_oracle_together_are_refused(project, capsys):
    both = _params(project, pool=["steel_pool"], oracle={"split": "train", "share": 0.5})
    assert run_stage(prepare_flow, ["--params", str(both)]) == EXIT_BAD_INPUT
    assert "pool and oracle cannot both be set" in capsys.readouterr().err
    assert not Layout(project.root).prepared.exists()
