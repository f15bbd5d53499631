"""`yoloop import --format auto` on real sets in the layouts their tools wrote, with their flaws.

playing-cards: LabelImg VOC, one .xml beside each image in images/train and images/test,
every <path> from the author's Windows machine. neu-det: IMAGES/ + ANNOTATIONS/ and
Validation_Images/ + Validation_Annotations/, 174 <filename>s without the extension,
patches_101 and patches_105 the same bytes with different boxes. coad: Roboflow COCO,
train/ and valid/ with `_annotations.coco.json`, category 0 the unused project name,
one listed image missing on disk, and 3 augmented copies of most training photos, which
only their names give away (their dHashes differ by a median of 25 of 64 bits).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tasks.core import DatasetRef, ImportParams, ResplitParams
from tasks.data import import_dataset
from tasks.data.layouts import detect_format
from tasks.prepare.merge import merge_datasets
from tests.real_data import copy_real_sets, tree_digest


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    return copy_real_sets(tmp_path_factory.mktemp("real_layouts"), "playing-cards", "neu-det", "coad")


def _import(copies: Path, name: str, raw: Path) -> tuple[dict, dict, str]:
    before = tree_digest(copies / name)
    result = import_dataset(copies / name, name, params=ImportParams(), raw=raw, use_dvc=False)
    assert tree_digest(copies / name) == before  # the source is only read
    manifest = json.loads((result.dest / "manifest.json").read_text())
    return result.report, manifest, (result.dest / "report.txt").read_text()


def _boxes(manifest: dict) -> dict[str, dict[str, int]]:
    counts = Counter((m["split"], manifest["names"][b[0]]) for m in manifest["images"] for b in m["boxes"])
    return {s: {n: c for (split, n), c in sorted(counts.items()) if split == s} for s in ("train", "val", "test")}


def _findings(report: dict, severity: str) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] == severity]


def test_playing_cards_labelimg_beside_images(copies, tmp_path):
    assert detect_format(copies / "playing-cards") == "voc"
    report, manifest, _ = _import(copies, "playing-cards", tmp_path)
    assert report["images"] == {"train": 296, "val": 0, "test": 67} and report["backgrounds"] == 0
    assert manifest["names"] == ["ace", "jack", "king", "nine", "queen", "ten"]
    assert _boxes(manifest) == {
        "train": {"ace": 92, "jack": 89, "king": 95, "nine": 89, "queen": 80, "ten": 82},
        "val": {},
        "test": {"ace": 26, "jack": 24, "king": 23, "nine": 26, "queen": 26, "ten": 18},
    }
    assert _findings(report, "error") == _findings(report, "warning") == []
    absolute, near = _findings(report, "note")
    assert absolute["reason"].startswith("363 annotations carry an absolute <path> from another machine")
    # burst shots (IMG_2464 and IMG_2465, ...) and one photo twice (cam_image1 and cam_image54), all in train
    assert near["reason"] == (
        "near-identical pictures (dHash within 4 bits and pHash within 12): 5 pairs in 5 groups, the largest of 2 "
        "pictures; none in two splits"
    )


def test_neu_det_paired_upper_case_folders(copies, tmp_path):
    assert detect_format(copies / "neu-det") == "voc"
    report, manifest, text = _import(copies, "neu-det", tmp_path)
    assert report["images"] == {"train": 1769, "val": 30, "test": 0}  # 1770 in IMAGES/, patches_105 kept once
    assert _boxes(manifest) == {
        "train": {
            "crazing": 678,
            "inclusion": 1001,
            "patches": 863,
            "pitted_surface": 423,
            "rolled-in_scale": 620,
            "scratches": 538,
        },
        "val": {
            "crazing": 11,
            "inclusion": 10,
            "patches": 15,
            "pitted_surface": 9,
            "rolled-in_scale": 8,
            "scratches": 10,
        },
        "test": {},
    }
    [disagree] = [f for f in _findings(report, "warning") if "boxes disagree" in f["reason"]]
    assert disagree["path"].endswith("IMAGES/patches_105.jpg")
    assert disagree["reason"].startswith("same picture as patches_101.jpg (train) but their boxes disagree: 3 vs 3")
    assert "IoU of the paired boxes 0.84, 0.91, 0.92" in disagree["reason"]
    assert len(_findings(report, "warning")) == 2  # that, and "kept once"
    stems = [f for f in _findings(report, "note") if "matched by stem" in f["reason"]]
    assert len(stems) == 174  # report.json keeps every one ...
    assert sum("matched by stem" in line for line in text.splitlines()) == 1  # ... report.txt says it once
    assert "and 173 more like it in 174 files" in text
    # the dHash alone pairs 5,568 surfaces under one light gradient; with the pHash, 4 pairs are left: the same
    # surface twice (inclusion_88 and inclusion_125, inclusion_188 and inclusion_210, pitted_surface_171 and
    # pitted_surface_292) and one pair of different surfaces (inclusion_241, pitted_surface_118), all in train
    [near] = [f["reason"] for f in _findings(report, "note") if "near-identical pictures" in f["reason"]]
    assert near.endswith(": 4 pairs in 4 groups, the largest of 2 pictures; none in two splits")
    unsplit = [f for f in _findings(report, "note") if "in no split" in f["reason"]]
    assert [(Path(f["path"]).name, f["reason"].split(" ")[0]) for f in unsplit] == [("IMAGES", "1770")]


def test_coad_roboflow_coco(copies, tmp_path):
    assert detect_format(copies / "coad") == "coco"
    report, manifest, text = _import(copies, "coad", tmp_path)
    assert report["images"] == {"train": 368, "val": 35, "test": 0}
    assert manifest["names"] == ["Moto", "Obstaculo", "Peaton", "Pista", "Vehiculo"]  # 'Adas' (id 0) left out
    assert _boxes(manifest) == {
        "train": {"Moto": 144, "Obstaculo": 195, "Peaton": 723, "Pista": 386, "Vehiculo": 1563},
        "val": {"Moto": 10, "Obstaculo": 21, "Peaton": 41, "Pista": 33, "Vehiculo": 124},
        "test": {},
    }
    [missing] = _findings(report, "error")
    assert "'Clases0000_jpg.rf.a968008492a77ec63e8325b8dc137706.jpg' not found: listed in the JSON" in missing["reason"]
    assert missing["reason"].endswith("its 2 boxes are left out")
    notes = [f["reason"] for f in _findings(report, "note")]
    assert sum("'Adas' is the supercategory of all the others" in n for n in notes) == 2
    assert "train: 368 images are Roboflow exports of 123 photos (copies per photo: 1 with 2, 122 with 3" in text
    assert "val: 35 images are Roboflow exports of 35 photos (copies per photo: 35 with 1" in text
    groups: dict[str, set[str]] = {}
    for entry in manifest["images"]:
        groups.setdefault(entry["group"], set()).add(entry["split"])
    assert len(groups) == 158 and all(len(splits) == 1 for splits in groups.values())  # no photo in two splits
    assert sum("by under a pixel (rounding)" in n for n in notes) == 202  # Roboflow's 416.3 on a 416 image
    assert [f["reason"] for f in _findings(report, "warning")] == [
        "train: class imbalance 10.9x (Vehiculo: 1563 boxes, Moto: 144) exceeds 10x",
        "val: class imbalance 12.4x (Vehiculo: 124 boxes, Moto: 10) exceeds 10x",
    ]
    fractions = ResplitParams(val=0.2, test=0.2)
    merged, _ = merge_datasets(tmp_path, [DatasetRef(name="coad")], manifest["names"], fractions, 7, ImportParams())
    splits_of_photo: dict[str, set[str]] = {}
    for image in merged:
        splits_of_photo.setdefault(image.group, set()).add(image.split)
    assert all(len(s) == 1 for s in splits_of_photo.values())  # a photo's copies never straddle train and test
    assert Counter(image.split for image in merged).keys() == {"train", "val", "test"}
