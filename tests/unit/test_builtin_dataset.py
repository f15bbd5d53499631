"""The built-in dataset generator: deterministic, labels inside the image, every class in every split."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tasks.core import PreparedDataset, label_path, list_images, load_params, read_labels
from tasks.data import split_stats
from tasks.prepare import generate_builtin
from tasks.prepare.glyphs import CLASS_SHAPES, SceneSpec, jpeg_bytes, render_scene, scene_rng
from testkit.profiles import TINY, write_params


def _generate(root: Path, params_file: Path, seed: int | None = None) -> PreparedDataset:
    section = load_params(params_file).prepare
    generate_builtin(
        section.builtin,
        section.classes,
        section.seed if seed is None else seed,
        root / "prepared",
        root / "pool",
        root / "oracle",
    )
    return PreparedDataset(root / "prepared", section.classes.base, section.classes.new)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("builtin")
    params_file = write_params(root / "params.yaml", TINY)
    _generate(root / "a", params_file)
    return root, params_file


def test_same_seed_same_bytes(tiny):
    root, params_file = tiny
    _generate(root / "b", params_file)
    assert _digest(root / "a") == _digest(root / "b")
    assert len(_digest(root / "a")) > 40


def test_other_seed_other_bytes(tiny):
    root, params_file = tiny
    _generate(root / "c", params_file, seed=8)
    first, other = _digest(root / "a"), _digest(root / "c")
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first if k.endswith(".jpg"))


def test_an_image_does_not_depend_on_the_split_size():
    spec = SceneSpec(64, CLASS_SHAPES, (1, 4), (2, 8), (0.12, 0.4), 0.35)
    one = jpeg_bytes(render_scene(spec, scene_rng(7, "test", 3), "ring")[0])
    again = jpeg_bytes(render_scene(spec, scene_rng(7, "test", 3), "ring")[0])
    other = jpeg_bytes(render_scene(spec, scene_rng(7, "test", 4), "ring")[0])
    assert one == again != other


def test_labels_lie_inside_the_image(tiny):
    root, _ = tiny
    labels = [b for p in (root / "a").rglob("*.txt") for b in read_labels(p)]
    assert labels
    for b in labels:
        assert 0 <= b.x - b.w / 2 and b.x + b.w / 2 <= 1 and 0 <= b.y - b.h / 2 and b.y + b.h / 2 <= 1
        assert b.w > 0 and b.h > 0


def test_every_class_in_each_split(tiny):
    root, params_file = tiny
    classes = load_params(params_file).prepare.classes
    dataset = PreparedDataset(root / "a" / "prepared", classes.base, classes.new)
    expected = {
        "base/train": classes.base,
        "base/val": classes.base,
        "new/train": classes.new,
        "new/val": classes.new,
        "test": classes.all,
    }
    assert set(dataset.split_dirs()) == set(expected)
    for split, folder in dataset.split_dirs().items():
        present = {n for n, c in split_stats(folder, dataset.names)["classes"].items() if c["instances"]}
        assert present == set(expected[split]), split
    pool_truth = {classes.all[b.cls] for p in (root / "a" / "oracle" / "labels").glob("*.txt") for b in read_labels(p)}
    assert pool_truth == set(classes.all)


def test_pool_has_images_but_no_labels_beside_them(tiny):
    root, _ = tiny
    pool_images = list_images(root / "a" / "pool")
    assert len(pool_images) == TINY["prepare"]["builtin"]["images"]["pool"]
    assert not any(label_path(p).exists() for p in pool_images)
    assert len(list((root / "a" / "oracle" / "labels").glob("*.txt"))) == len(pool_images)


def test_images_have_the_configured_size(tiny):
    root, _ = tiny
    image = next(iter(list_images(root / "a" / "prepared" / "test")))
    pixels = np.asarray(Image.open(image).convert("RGB"), dtype=float)
    assert pixels.shape == (64, 64, 3)
    assert pixels.std() > 10  # a real picture, not a flat fill


def test_no_near_identical_pictures_across_the_splits(tmp_path):
    """The leak check is on by default (issue 27): the built-in data, at its real image size, must not trip it.

    Measured on the default counts (660 pictures in train, val and test): no pair within 8 dHash bits at all."""
    from tasks.core import DatasetRef, ImportParams
    from tasks.data import import_dataset
    from tasks.prepare.merge import merge_datasets

    counts = {"base_train": 60, "base_val": 20, "new_train": 30, "new_val": 10, "test": 40, "pool": 1}
    dataset = _generate(tmp_path, write_params(tmp_path / "params.yaml", {"prepare": {"builtin": {"images": counts}}}))
    (tmp_path / "prepared" / "data.yaml").write_text(
        "train: [base/images/train, new/images/train]\nval: [base/images/val, new/images/val]\n"
        f"test: test/images\nnames: {dataset.names}\n"
    )
    result = import_dataset(tmp_path / "prepared", "glyphs", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    assert result.report["images"] == {"train": 90, "val": 30, "test": 40}
    notes = [f["reason"] for f in result.report["findings"] if "near-identical" in f["reason"]]
    assert notes == ["no near-identical pictures (dHash within 4 bits and pHash within 12); none in two splits"]
    kept, findings = merge_datasets(
        tmp_path / "raw", [DatasetRef(name="glyphs")], dataset.names, None, 7, ImportParams()
    )
    assert len(kept) == 160 and not [f for f in findings if "near-identical" in f.reason]
