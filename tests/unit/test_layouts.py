"""`--format auto` on the layouts labelling tools really write, each built here in miniature.

LabelImg (VOC beside the images, or in a folder of the user's choosing; YOLO with classes.txt),
the VOC devkit as CVAT exports it (ImageSets/Main/default.txt), Label Studio (VOC with
<filename> lacking its extension; YOLO with notes.json; COCO result.json), Roboflow (COCO,
YOLO and VOC in train/ valid/ test/), darknet / CVAT YOLO 1.1 (obj.data, obj.names), and
split folders named in any case. Each must give the right format, splits, classes and boxes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tasks.core import ImportParams, InputError
from tasks.data import import_dataset
from tasks.data.layouts import detect_format
from tests.broken_corpus import VOC_BOX, jpeg, photo, voc_xml

BOX = VOC_BOX.format(8, 8, 24, 20)
YOLO_LINE = "{} 0.25 0.3 0.25 0.25\n"
RF = ".rf.0123456789abcdef0123456789abcdef"  # Roboflow's file-name suffix
_seed = iter(range(10_000))


def _image(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg(photo(seed=next(_seed))))
    return path


def _xml(path: Path, filename: str, names: tuple[str, ...] = ("cat",), windows_path: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = voc_xml(filename, (64, 48), [(n, BOX, 0) for n in names])
    if windows_path:
        text = text.replace("<filename>", f"<path>C:\\Users\\me\\{filename}</path>\n<filename>")
    path.write_text(text)


def _labelled(image: Path, label_dir: Path | None = None, cls: int = 0) -> None:
    (label_dir or image.parent).mkdir(parents=True, exist_ok=True)
    ((label_dir or image.parent) / f"{image.stem}.txt").write_text(YOLO_LINE.format(cls))


def labelimg_voc_beside(root: Path) -> None:
    for split, stems in (("train", ["IMG_1", "IMG_2"]), ("test", ["IMG_3"])):
        for stem in stems:
            _image(root / "images" / split / f"{stem}.JPG")
            _xml(root / "images" / split / f"{stem}.xml", f"{stem}.JPG", ("king", "ace"), windows_path=True)


def voc_images_annotations_lowercase(root: Path) -> None:
    for stem in ("a", "b", "c"):
        _image(root / "images" / f"{stem}.jpg")
        _xml(root / "annotations" / f"{stem}.xml", f"{stem}.jpg")
    _image(root / "images" / "not_labelled_yet.jpg")


def voc_upper_case_with_validation_folders(root: Path) -> None:
    """<filename> without the extension, as Label Studio's VOC export (and neu-det) write it."""
    for folder, stems in (("", ["crazing_1", "crazing_2"]), ("Validation_", ["crazing_3"])):
        for stem in stems:
            _image(root / f"{folder}IMAGES" / f"{stem}.jpg")
            _xml(root / f"{folder}ANNOTATIONS" / f"{stem}.xml", stem, ("crazing",))


def voc_images_annots_per_split(root: Path) -> None:
    for split, stems in (("train", ["a", "b"]), ("val", ["c"])):
        for stem in stems:
            _image(root / "images" / split / f"{stem}.png")
            _xml(root / "annots" / split / f"{stem}.xml", f"{stem}.png")


def cvat_voc_default_listing(root: Path) -> None:
    for stem in ("f1", "f2"):
        _image(root / "JPEGImages" / f"{stem}.jpg")
        _xml(root / "Annotations" / f"{stem}.xml", f"{stem}.jpg")
    (root / "ImageSets/Main").mkdir(parents=True)
    (root / "ImageSets/Main/default.txt").write_text("f1\nf2\n")
    (root / "labelmap.txt").write_text("# label:color_rgb:parts:actions\ncat:250,50,83::\n")


def roboflow_voc(root: Path) -> None:
    for split, stems in (("train", ["p1_jpg", "p2_jpg"]), ("valid", ["p3_jpg"]), ("test", ["p4_jpg"])):
        for stem in stems:
            _image(root / split / f"{stem}{RF}.jpg")
            _xml(root / split / f"{stem}{RF}.xml", f"{stem}{RF}.jpg")


def _coco(path: Path, files: list[str], categories: list[dict], category_id: int) -> None:
    images = [{"id": i, "file_name": f, "width": 64, "height": 48} for i, f in enumerate(files)]
    annotations = [
        {"id": i, "image_id": i, "category_id": category_id, "bbox": [8, 8, 16, 12], "iscrowd": 0}
        for i in range(len(files))
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))


ROBOFLOW_CATEGORIES = [
    {"id": 0, "name": "vehicles", "supercategory": "none"},
    {"id": 1, "name": "car", "supercategory": "vehicles"},
    {"id": 2, "name": "bike", "supercategory": "vehicles"},
]


def roboflow_coco(root: Path) -> None:
    for split, stems in (("train", ["p1_jpg", "p2_jpg"]), ("valid", ["p3_jpg"]), ("test", ["p4_jpg"])):
        files = [_image(root / split / f"{stem}{RF}.jpg").name for stem in stems]
        _coco(root / split / "_annotations.coco.json", files, ROBOFLOW_CATEGORIES, 2)


def label_studio_coco(root: Path) -> None:
    files = [f"images/{_image(root / 'images' / f'8f3a1c-{n}.jpg').name}" for n in ("a", "b")]
    _coco(root / "result.json", files, [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}], 1)


def cvat_coco(root: Path) -> None:
    files = [_image(root / "images" / f"frame_{n:06d}.jpg").name for n in range(3)]
    _coco(root / "annotations" / "instances_default.json", files, [{"id": 1, "name": "cat", "supercategory": ""}], 1)


def roboflow_yolo(root: Path) -> None:
    for split, stems in (("train", ["p1_jpg", "p2_jpg"]), ("valid", ["p3_jpg"]), ("test", ["p4_jpg"])):
        for stem in stems:
            image = _image(root / split / "images" / f"{stem}{RF}.jpg")
            _labelled(image, root / split / "labels", cls=1)
    (root / "data.yaml").write_text(
        "train: ../train/images\nval: ../valid/images\ntest: ../test/images\n\nnc: 2\nnames: ['car', 'bike']\n"
        "\nroboflow:\n  workspace: w\n  project: p\n  version: 1\n"
    )


def labelimg_yolo_beside(root: Path) -> None:
    for stem in ("a", "b", "c"):
        _labelled(_image(root / f"{stem}.jpg"))
    (root / "classes.txt").write_text("cat\ndog\n")


def labelimg_yolo_save_dir(root: Path) -> None:
    for stem in ("a", "b"):
        _labelled(_image(root / "photos" / f"{stem}.jpg"), root / "yolo_out", cls=1)
    (root / "yolo_out" / "classes.txt").write_text("cat\ndog\n")


def cvat_yolo(root: Path) -> None:
    for subset, stems in (("train", ["frame_000000", "frame_000001"]), ("valid", ["frame_000002"])):
        for stem in stems:
            _labelled(_image(root / f"obj_{subset}_data" / f"{stem}.jpg"))
        (root / f"{subset}.txt").write_text("".join(f"data/obj_{subset}_data/{s}.jpg\n" for s in stems))
    (root / "obj.names").write_text("cat\n")
    (root / "obj.data").write_text(
        "classes = 1\ntrain = data/train.txt\nvalid = data/valid.txt\nnames = data/obj.names\n"
    )


def label_studio_yolo(root: Path) -> None:
    for stem in ("1a2b-a", "3c4d-b"):
        _labelled(_image(root / "images" / f"{stem}.jpg"), root / "labels", cls=1)
    (root / "classes.txt").write_text("cat\ndog\n")
    categories = [{"id": 0, "name": "cat"}, {"id": 1, "name": "dog"}]
    (root / "notes.json").write_text(json.dumps({"categories": categories, "info": {"contributor": "Label Studio"}}))


def split_folders_any_case(root: Path) -> None:
    for folder, stems in (("TRAIN", ["a", "b"]), ("Valid", ["c"]), ("Test", ["d"])):
        for stem in stems:
            _image(root / folder / f"{stem}.jpeg")
            _xml(root / folder / f"{stem}.xml", f"{stem}.jpeg")


LAYOUTS: list[tuple[Callable[[Path], None], str, dict[str, int], list[str], int]] = [
    (labelimg_voc_beside, "voc", {"train": 2, "val": 0, "test": 1}, ["ace", "king"], 6),
    (voc_images_annotations_lowercase, "voc", {"train": 3, "val": 0, "test": 0}, ["cat"], 3),
    (voc_upper_case_with_validation_folders, "voc", {"train": 2, "val": 1, "test": 0}, ["crazing"], 3),
    (voc_images_annots_per_split, "voc", {"train": 2, "val": 1, "test": 0}, ["cat"], 3),
    (cvat_voc_default_listing, "voc", {"train": 2, "val": 0, "test": 0}, ["cat"], 2),
    (roboflow_voc, "voc", {"train": 2, "val": 1, "test": 1}, ["cat"], 4),
    (roboflow_coco, "coco", {"train": 2, "val": 1, "test": 1}, ["car", "bike"], 4),
    (label_studio_coco, "coco", {"train": 2, "val": 0, "test": 0}, ["cat", "dog"], 2),
    (cvat_coco, "coco", {"train": 3, "val": 0, "test": 0}, ["cat"], 3),
    (roboflow_yolo, "yolo", {"train": 2, "val": 1, "test": 1}, ["car", "bike"], 4),
    (labelimg_yolo_beside, "yolo", {"train": 3, "val": 0, "test": 0}, ["cat", "dog"], 3),
    (labelimg_yolo_save_dir, "yolo", {"train": 2, "val": 0, "test": 0}, ["cat", "dog"], 2),
    (cvat_yolo, "yolo", {"train": 2, "val": 1, "test": 0}, ["cat"], 3),
    (label_studio_yolo, "yolo", {"train": 2, "val": 0, "test": 0}, ["cat", "dog"], 2),
    (split_folders_any_case, "voc", {"train": 2, "val": 1, "test": 1}, ["cat"], 4),
]


@pytest.mark.parametrize(("build", "fmt", "images", "names", "boxes"), LAYOUTS, ids=[x[0].__name__ for x in LAYOUTS])
def test_layout_is_detected_and_read(tmp_path, build, fmt, images, names, boxes):
    build(tmp_path / "src")
    assert detect_format(tmp_path / "src") == fmt
    result = import_dataset(tmp_path / "src", "set", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    manifest = json.loads((result.dest / "manifest.json").read_text())
    assert result.report["images"] == images
    assert manifest["names"] == names
    assert sum(len(m["boxes"]) for m in manifest["images"]) == boxes
    assert not [f for f in result.report["findings"] if f["severity"] == "error"]
    assert not [f for f in result.report["findings"] if "found by name elsewhere" in f["reason"]]  # paired folders


def test_the_right_class_of_each_box(tmp_path):
    """Roboflow's parent category (id 0) is left out: 'bike' (id 2) becomes class 1, not 2."""
    roboflow_coco(tmp_path / "src")
    result = import_dataset(tmp_path / "src", "rf", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    manifest = json.loads((result.dest / "manifest.json").read_text())
    assert {b[0] for m in manifest["images"] for b in m["boxes"]} == {1}
    notes = [f["reason"] for f in result.report["findings"] if f["severity"] == "note"]
    assert any("'vehicles' is the supercategory of all the others" in n for n in notes)
    assert any(n.startswith("train: 2 images are Roboflow exports of 2 photos") for n in notes)
    assert {m["group"] for m in manifest["images"]} == {"p1_jpg", "p2_jpg", "p3_jpg", "p4_jpg"}


def test_stem_matches_and_unannotated_images_are_reported(tmp_path):
    voc_upper_case_with_validation_folders(tmp_path / "a")
    result = import_dataset(tmp_path / "a", "a", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    stems = [f for f in result.report["findings"] if "matched by stem" in f["reason"]]
    assert len(stems) == 3 and all(f["severity"] == "note" for f in stems)
    voc_images_annotations_lowercase(tmp_path / "b")
    result = import_dataset(tmp_path / "b", "b", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    [unlabelled] = [f for f in result.report["findings"] if "no annotation describes" in f["reason"]]
    assert unlabelled["path"].endswith("not_labelled_yet.jpg") and unlabelled["severity"] == "warning"


def test_unknown_layout_lists_what_was_looked_for(tmp_path):
    _image(tmp_path / "src" / "a.jpg")
    (tmp_path / "src" / "notes.txt").write_text("some words\n")
    with pytest.raises(InputError) as raised:
        detect_format(tmp_path / "src")
    text = "\n".join(raised.value.lines)
    for looked_for in (
        "dataset yaml",
        "COCO JSON",
        "_annotations.coco.json",
        "Pascal VOC XML",
        "classes.txt",
        "obj.names",
        "notes.json",
        "found 1 images",
        "--unlabelled",
    ):
        assert looked_for in text


def test_linked_folders_are_read_once_and_copied(tmp_path):
    """Images and annotations linked from another disk are followed; a link back up the tree is not a loop."""
    voc_images_annotations_lowercase(tmp_path / "elsewhere")
    (tmp_path / "src").mkdir()
    for folder in ("images", "annotations"):
        (tmp_path / "src" / folder).symlink_to(tmp_path / "elsewhere" / folder, target_is_directory=True)
    (tmp_path / "src" / "images" / "up").symlink_to(tmp_path / "src", target_is_directory=True)
    result = import_dataset(tmp_path / "src", "linked", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    assert result.report["images"] == {"train": 3, "val": 0, "test": 0}
    copied = list((result.dest / "images").rglob("*.jpg"))
    assert len(copied) == 3 and not any(p.is_symlink() for p in copied)


def roboflow_yolo_written_from_above(root: Path) -> None:
    """Issue 27: Roboflow's data.yaml naming train and val from the folder above the dataset (`rfset/train/images`),
    test as Ultralytics writes it (`../test/images`)."""
    for split, stems in (("train", ["p1_jpg", "p2_jpg"]), ("valid", ["p3_jpg"]), ("test", ["p4_jpg"])):
        for stem in stems:
            _labelled(_image(root / split / "images" / f"{stem}{RF}.jpg"), root / split / "labels")
    (root / "data.yaml").write_text(
        f"train: {root.name}/train/images\nval: {root.name}/valid/images\ntest: ../test/images\nnc: 1\nnames: [car]\n"
    )


def test_split_paths_written_from_the_folder_above_import_every_split(tmp_path):
    roboflow_yolo_written_from_above(tmp_path / "rfset")
    result = import_dataset(tmp_path / "rfset", "rf", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    assert result.report["images"] == {"train": 2, "val": 1, "test": 1}
    warnings = [f["reason"] for f in result.report["findings"] if f["severity"] == "warning"]
    for split, used in (("train", "train/images"), ("val", "valid/images")):
        assert (
            f"{split}: 'rfset/{used}' does not exist under the yaml's folder; found '{used}' there by its "
            f"trailing folders (a path written from another folder, as labelling tools write them); {used} used"
            in warnings
        )
    assert not [f for f in result.report["findings"] if f["severity"] == "error"]
    assert result.report["splits"] == {
        "train": {"declared": "data.yaml train: 'rfset/train/images'", "found": 2, "imported": 2},
        "val": {"declared": "data.yaml val: 'rfset/valid/images'", "found": 1, "imported": 1},
        "test": {"declared": "data.yaml test: '../test/images'", "found": 1, "imported": 1},
    }
    assert "splits (images found -> imported): train 2 -> 2, val 1 -> 1, test 1 -> 1" in result.summary


def test_a_lone_images_folder_is_not_taken_for_a_split(tmp_path):
    """A tail of one folder must name a split: `other/images` does not borrow the dataset's `images/`."""
    _labelled(_image(tmp_path / "src" / "images" / "a.jpg"), tmp_path / "src" / "labels")
    (tmp_path / "src" / "data.yaml").write_text("train: images\nval: other/images\nnames: [car]\n")
    with pytest.raises(InputError) as stopped:
        import_dataset(tmp_path / "src", "set", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    assert "val: declared (data.yaml val: 'other/images') but no image of it can be imported" in stopped.value.lines[0]


@pytest.mark.parametrize("policy", ["lenient", "strict"])
def test_a_declared_split_that_imports_nothing_stops_either_policy(tmp_path, policy):
    roboflow_yolo(tmp_path / "src")
    (tmp_path / "src" / "data.yaml").write_text(
        (tmp_path / "src" / "data.yaml").read_text().replace("../valid/images", "../validation/images")
    )
    params = ImportParams(policy=policy)
    with pytest.raises(InputError) as stopped:
        import_dataset(tmp_path / "src", "set", params=params, raw=tmp_path / "raw", use_dvc=False)
    lines = stopped.value.lines
    assert lines[0].endswith(
        "val: declared (data.yaml val: '../validation/images') but no image of it can be imported: "
        "folder '../validation/images' does not exist"
    )
    assert lines[1] == "  splits (images found -> imported): train 2 -> 2, val 0 -> 0, test 1 -> 1"
    assert "imports.optional_splits in params.yaml: [val]" in lines[2]
    assert not (tmp_path / "raw").exists()
    allowed = params.model_copy(update={"optional_splits": ["val"], "policy": "lenient"})
    result = import_dataset(tmp_path / "src", "set", params=allowed, raw=tmp_path / "raw", use_dvc=False)
    assert result.report["images"] == {"train": 2, "val": 0, "test": 1}
    assert any(
        "val: declared" in f["reason"] and "imports.optional_splits" in f["reason"]
        for f in result.report["findings"]
        if f["severity"] == "warning"
    )


def test_a_split_whose_every_image_is_rejected_stops_and_says_why(tmp_path):
    roboflow_yolo(tmp_path / "src")
    (tmp_path / "src" / "valid" / "labels" / f"p3_jpg{RF}.txt").write_text("7 0.5 0.5 0.2 0.2\n")  # no class 7
    with pytest.raises(InputError) as stopped:
        import_dataset(tmp_path / "src", "set", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    first, example, counts, _ = stopped.value.lines
    assert first.endswith(
        "val: declared (data.yaml val: '../valid/images') but no image of it can be imported: "
        "all 1 images were rejected or are copies of images kept elsewhere, for example:"
    )
    assert example.startswith("    ") and "class id 7 outside" in example
    assert counts == "  splits (images found -> imported): train 2 -> 2, val 1 -> 0, test 1 -> 1"
