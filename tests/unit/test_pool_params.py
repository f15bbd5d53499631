"""prepare.pool and prepare.oracle: what the schema refuses, and why the withheld share is hash-stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from tasks.core import DatasetRef, InputError, Label, OracleParams, PrepareParams
from tasks.prepare.merge import MergedImage, load_raw
from tasks.prepare.pool import fill_pool, withhold
from testkit.profiles import PROJECT_PARAMS

BASE = yaml.safe_load(PROJECT_PARAMS.read_text())["prepare"]
DATASETS = {**BASE, "source": "datasets", "datasets": [{"name": "cards"}]}


def test_pool_and_oracle_cannot_both_be_set():
    with pytest.raises(ValidationError, match="pool and oracle cannot both be set"):
        PrepareParams(**DATASETS, pool=["photos"], oracle={"split": "train", "share": 0.5})


def test_builtin_source_keeps_its_own_pool():
    with pytest.raises(ValidationError, match="read with source: datasets"):
        PrepareParams(**BASE, pool=["photos"])
    assert PrepareParams(**BASE).pool == [] and PrepareParams(**DATASETS, pool=["photos"]).pool == ["photos"]


@pytest.mark.parametrize("share", [0, 1, 1.5])
def test_oracle_share_leaves_both_sides(share):
    with pytest.raises(ValidationError):
        OracleParams(split="train", share=share)


def _images(count: int, groups: int | None = None) -> list[MergedImage]:
    return [
        MergedImage(
            "d",
            f"images/train/{i}.jpg",
            Path(f"{i}.jpg"),
            f"{i:064x}",
            "0" * 16,
            "train",
            [Label(0, 0.5, 0.5, 0.1, 0.1)],
            f"photo{i % groups}" if groups else f"{i:064x}",
        )
        for i in range(count)
    ]


def test_withheld_images_depend_on_the_seed_and_the_photo_only():
    images = _images(200)
    _, held, note = withhold(images, OracleParams(split="train", share=0.8), seed=7)
    assert 130 < len(held) < 190 and "asked 80%" in note.reason
    subset = images[::3]
    _, held_subset, _ = withhold(subset, OracleParams(split="train", share=0.8), seed=7)
    assert {i.sha256 for i in held_subset} == {i.sha256 for i in held} & {i.sha256 for i in subset}
    _, other_seed, _ = withhold(images, OracleParams(split="train", share=0.8), seed=8)
    assert {i.sha256 for i in other_seed} != {i.sha256 for i in held}


def test_copies_of_one_photo_stay_on_one_side():
    images = _images(90, groups=30)
    kept, held, _ = withhold(images, OracleParams(split="train", share=0.5), seed=1)
    assert not {i.group for i in kept} & {i.group for i in held} and kept and held


def test_a_share_that_withholds_nothing_is_an_error():
    with pytest.raises(InputError, match="nothing would be withheld"):
        withhold(_images(1), OracleParams(split="val", share=0.5), seed=7)


def _manifest(raw: Path, name: str, fmt: str) -> None:
    (raw / name).mkdir(parents=True)
    entry = {"file": "images/pool/a.jpg", "sha256": "a" * 64, "dhash": "0" * 16, "split": "pool", "boxes": []}
    (raw / name / "manifest.json").write_text(json.dumps({"format": fmt, "names": [], "images": [entry]}))


def test_pool_and_datasets_each_take_their_kind(tmp_path):
    _manifest(tmp_path, "photos", "unlabelled")
    _manifest(tmp_path, "cards", "voc")
    with pytest.raises(InputError, match="photos is an unlabelled import .* name it in prepare.pool"):
        load_raw(tmp_path, DatasetRef(name="photos"), ["cat"])
    with pytest.raises(InputError, match="cards is a labelled dataset .* prepare.oracle"):
        fill_pool(tmp_path, ["cards"], {}, tmp_path / "pool")
    with pytest.raises(InputError, match="no picture left for the pool"):
        fill_pool(tmp_path, ["photos"], {"a" * 64: "cards/images/train/a.jpg"}, tmp_path / "pool")
    with pytest.raises(InputError, match="--unlabelled"):
        fill_pool(tmp_path, ["missing"], {}, tmp_path / "pool")
