"""`yoloop labels import` on hand-made relabel batches: layouts, batch lookup, all-or-nothing merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.core import InputError
from tasks.labelling import import_labels, returned_label_files
from tasks.labelling.labels_import import class_list_findings, find_batch

NAMES = ["ring", "cross", "star"]


def make_batch(relabel: Path, round_number: int, stems: list[str]) -> Path:
    batch = relabel / f"round-{round_number}"
    (batch / "images").mkdir(parents=True)
    (batch / "labels").mkdir()
    for stem in stems:
        (batch / "images" / f"{stem}.jpg").write_bytes(b"jpeg " + stem.encode())
        (batch / "labels" / f"{stem}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    images = [{"image": f"data/pool/images/{s}.jpg", "file": f"{s}.jpg", "rank": i + 1} for i, s in enumerate(stems)]
    (batch / "manifest.json").write_text(json.dumps({"round": round_number, "names": NAMES, "images": images}))
    return batch


def returned(tmp_path: Path, files: dict[str, str], layout: str = "labels") -> Path:
    folder = tmp_path / "returned" / layout if layout else tmp_path / "returned"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return tmp_path / "returned"


def test_cvat_yolo_export_layout_and_its_class_list(tmp_path):
    back = returned(tmp_path, {"a.txt": "0 0.5 0.5 0.1 0.1\n"}, layout="obj_train_data")
    (back / "train.txt").write_text("obj_train_data/a.jpg\n")  # CVAT's image list: not a label file
    assert [p.name for p in returned_label_files(back)] == ["a.txt"]
    (back / "obj.names").write_text("ring\nstar\ncross\n")
    assert "differ from the batch's" in class_list_findings(back, NAMES)[0].reason
    (back / "obj.names").write_text("ring\ncross\nstar\n")
    assert class_list_findings(back, NAMES) == []


def test_the_batch_is_the_round_holding_the_returned_images(tmp_path):
    relabel = tmp_path / "relabel"
    make_batch(relabel, 1, ["a", "b"])
    make_batch(relabel, 2, ["c", "d"])
    assert find_batch(tmp_path, relabel, {"c", "x"}).name == "round-2"
    with pytest.raises(InputError, match="none of its 1 label files"):
        find_batch(tmp_path, relabel, {"x"})


def test_unknown_class_or_foreign_image_changes_nothing(tmp_path):
    relabel, labels = tmp_path / "relabel", tmp_path / "labels"
    make_batch(relabel, 1, ["a", "b"])
    back = returned(tmp_path, {"a.txt": "3 0.5 0.5 0.1 0.1\n", "zz.txt": "0 0.5 0.5 0.1 0.1\n"})
    with pytest.raises(InputError) as caught:
        import_labels(back, relabel, labels)
    text = "\n".join(caught.value.lines)
    assert "a.txt:1: class id 3" in text and "image zz is not in relabel batch round-1" in text
    assert not labels.exists()


def test_merge_keeps_earlier_imports_of_the_round_and_copies_bytes(tmp_path):
    relabel, labels = tmp_path / "relabel", tmp_path / "labels"
    make_batch(relabel, 1, ["a", "b"])
    import_labels(returned(tmp_path / "1", {"a.txt": "2 0.5 0.5 0.1 0.1\n"}), relabel, labels)
    dest, count = import_labels(returned(tmp_path / "2", {"b.txt": ""}), relabel, labels)
    assert count == 1 and dest == labels / "round-1"
    assert (dest / "labels/a.txt").read_text() == "2 0.5 0.5 0.1 0.1\n" and (dest / "labels/b.txt").read_text() == ""
    assert sorted(p.name for p in (dest / "images").iterdir()) == ["a.jpg", "b.jpg"]
    manifest = json.loads((dest / "manifest.json").read_text())
    assert [e["file"] for e in manifest["images"]] == ["a.jpg", "b.jpg"] and manifest["names"] == NAMES
