"""Staging copies of the prepared data: remapped by class name, never touching the versioned files."""

from __future__ import annotations

from pathlib import Path

import yaml

from tasks.core import Label, PreparedDataset, read_labels, stage_test_set, stage_training_set, write_labels


def _dataset(root: Path) -> PreparedDataset:
    for folder, split, cls in [("base", "train", 0), ("base", "val", 1), ("new", "train", 2), ("new", "val", 2)]:
        (root / folder / "images" / split).mkdir(parents=True)
        (root / folder / "images" / split / f"{folder}_{split}.jpg").write_bytes(b"jpeg")
        write_labels(root / folder / "labels" / split / f"{folder}_{split}.txt", [Label(cls, 0.5, 0.5, 0.2, 0.2)])
    (root / "test" / "images").mkdir(parents=True)
    (root / "test" / "images" / "t.jpg").write_bytes(b"jpeg")
    write_labels(root / "test" / "labels" / "t.txt", [Label(0, 0.5, 0.5, 0.1, 0.1), Label(2, 0.3, 0.3, 0.1, 0.1)])
    return PreparedDataset(root, ["ring", "cross"], ["star"])


def test_training_set_of_all_lists_both_parts(tmp_path):
    dataset = _dataset(tmp_path / "prepared")
    data = yaml.safe_load(stage_training_set(dataset, "all", tmp_path / "work").read_text())
    assert data["names"] == {0: "ring", 1: "cross", 2: "star"}
    assert data["train"] == ["base_train/images", "new_train/images"]
    assert read_labels(tmp_path / "work" / "new_train" / "labels" / "new_train.txt")[0].cls == 2


def test_base_training_set_knows_only_base_classes(tmp_path):
    dataset = _dataset(tmp_path / "prepared")
    data = yaml.safe_load(stage_training_set(dataset, "base", tmp_path / "work").read_text())
    assert data["nc"] == 2 and data["val"] == ["base_val/images"]


def test_test_set_is_remapped_to_the_models_classes(tmp_path):
    dataset = _dataset(tmp_path / "prepared")
    stage_test_set(dataset, ["star", "ring"], tmp_path / "work")
    labels = read_labels(tmp_path / "work" / "test" / "labels" / "t.txt")
    assert [(b.cls, b.x) for b in labels] == [(1, 0.5), (0, 0.3)]
    stage_test_set(dataset, ["cross"], tmp_path / "work2")
    assert read_labels(tmp_path / "work2" / "test" / "labels" / "t.txt") == []


def test_staging_leaves_the_prepared_folder_untouched(tmp_path):
    dataset = _dataset(tmp_path / "prepared")
    before = sorted(p for p in (tmp_path / "prepared").rglob("*"))
    stage_training_set(dataset, "all", tmp_path / "work")
    stage_test_set(dataset, dataset.names, tmp_path / "work")
    assert sorted(p for p in (tmp_path / "prepared").rglob("*")) == before
