"""A generated corpus of broken inputs: each defect is planted once, with the finding it must give.

`Defect(file, fragment, severity)`: a finding whose path ends with `file` and whose
reason contains `fragment`, at that severity, must come out of the import.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Defect:
    file: str
    fragment: str
    severity: str


def photo(size: tuple[int, int] = (64, 48), seed: int = 0) -> Image.Image:
    """A distinct picture per seed (so that only the planted duplicates are duplicates)."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def jpeg(image: Image.Image, **kw) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **kw)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def with_orientation(image: Image.Image, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return jpeg(image, exif=exif.tobytes())


GOOD = "0 0.5 0.5 0.2 0.2\n"

YOLO_IMAGES: dict[str, tuple] = {  # name: (split, image bytes, label text or None, expected finding or None)
    "ok.jpg": ("train", lambda: jpeg(photo(seed=1)), GOOD, None),
    "truncated.jpg": ("train", lambda: jpeg(photo(seed=2))[:400], GOOD, ("truncated or corrupt", "error")),
    "text.jpg": ("train", lambda: b"this is not a picture", GOOD, ("not an image", "error")),
    "empty.jpg": ("train", lambda: b"", GOOD, ("empty file", "error")),
    "gray.png": ("train", lambda: png(photo(seed=3).convert("L")), GOOD, ("grayscale image converted", "note")),
    "cmyk.jpg": ("train", lambda: jpeg(photo(seed=4).convert("CMYK")), GOOD, ("CMYK image converted", "note")),
    "deep.png": ("train", lambda: png(Image.fromarray(np.full((48, 64), 40000, np.uint16))), GOOD, ("16-bit", "note")),
    "alpha.png": ("train", lambda: png(photo(seed=5).convert("RGBA")), GOOD, ("alpha channel", "note")),
    "turned.jpg": ("train", lambda: with_orientation(photo(seed=6), 6), GOOD, ("EXIF orientation 6", "note")),
    "tiny.png": ("train", lambda: png(photo((5, 5), seed=7)), GOOD, ("too small", "error")),
    "named.jpg": ("train", lambda: png(photo(seed=8)), GOOD, ("PNG content under a .jpg name", "warning")),
    "fields.jpg": ("train", lambda: jpeg(photo(seed=9)), GOOD + "0 0.5 0.5 0.2\n", ("expected 5 fields", "error")),
    "word.jpg": ("train", lambda: jpeg(photo(seed=10)), "0 0.5 half 0.2 0.2\n", ("not a number", "error")),
    "nan.jpg": ("train", lambda: jpeg(photo(seed=11)), "0 nan 0.5 0.2 0.2\n", ("NaN or infinite", "error")),
    "range.jpg": ("train", lambda: jpeg(photo(seed=12)), "0 1.5 0.5 0.2 0.2\n", ("outside [0, 1]", "error")),
    "flat.jpg": ("train", lambda: jpeg(photo(seed=13)), "0 0.5 0.5 0 0.2\n", ("zero or negative area", "error")),
    "class.jpg": ("train", lambda: jpeg(photo(seed=14)), "5 0.5 0.5 0.2 0.2\n", ("class id 5 outside", "error")),
    "fraction.jpg": ("train", lambda: jpeg(photo(seed=15)), "1.5 0.5 0.5 0.2 0.2\n", ("not a whole number", "error")),
    "edge.jpg": ("train", lambda: jpeg(photo(seed=16)), "0 0.95 0.5 0.2 0.2\n", ("clipped", "warning")),
    "twice.jpg": ("train", lambda: jpeg(photo(seed=17)), GOOD + GOOD, ("duplicate of line 1", "warning")),
    "polygon.jpg": ("train", lambda: jpeg(photo(seed=18)), "0 0.1 0.1 0.4 0.1 0.4 0.5\n", ("polygon", "warning")),
    "latin1.jpg": ("train", lambda: jpeg(photo(seed=19)), "0 0.5 0.5 0.2 0.2 \xe9", ("not a text file", "error")),
    "background.jpg": ("train", lambda: jpeg(photo(seed=20)), None, ("background", "note")),
    "copy_a.jpg": ("train", lambda: jpeg(photo(seed=21)), GOOD, None),
    "copy_b.jpg": ("train", lambda: jpeg(photo(seed=21)), GOOD, ("kept once", "warning")),
    "leak.jpg": ("val", lambda: jpeg(photo(seed=1)), GOOD, ("leaks into val", "error")),
    "val_ok.jpg": ("val", lambda: jpeg(photo(seed=22)), GOOD, None),
}

LABEL_DEFECTS = {"fields", "word", "nan", "range", "flat", "class", "fraction", "edge", "twice", "polygon", "latin1"}

YOLO_YAML = """\
train: images/train
val: C:\\\\Users\\\\someone\\\\set\\\\images\\\\val
test: [/mnt/elsewhere/set/images/test, images/missing, images/train]
nc: 3
names: ['donkey ', sheep]
"""


def write_yolo(root: Path) -> list[Defect]:
    """A YOLO tree planting every defect of `YOLO_IMAGES` and of the yaml."""
    defects = []
    for name, (split, content, label, expected) in YOLO_IMAGES.items():
        image = root / "images" / split / name
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(content())
        if label is not None:
            (root / "labels" / split).mkdir(parents=True, exist_ok=True)
            (root / "labels" / split / f"{image.stem}.txt").write_bytes(label.encode("latin-1"))
        if expected:
            about_label = name.removesuffix(".jpg") in LABEL_DEFECTS
            defects.append(Defect(f"{image.stem}.txt" if about_label else name, *expected))
    (root / "images" / "test").mkdir(parents=True)
    (root / "images/test/t.jpg").write_bytes(jpeg(photo(seed=30)))
    (root / "labels/train/orphan.txt").write_text(GOOD)
    (root / "data.yaml").write_text(YOLO_YAML)
    return [
        *defects,
        Defect("orphan.txt", "label file without an image", "warning"),
        Defect("data.yaml", "name 'donkey ' has stray whitespace", "warning"),
        Defect("data.yaml", "nc is 3 but 2 names", "error"),
        Defect("data.yaml", "val: Windows path", "warning"),
        Defect("data.yaml", "test: absolute path", "warning"),
        Defect("data.yaml", "test: folder 'images/missing' does not exist", "error"),
        Defect("data.yaml", "test: same folder as train", "error"),
    ]


VOC_OBJECT = "<object><name>{name}</name><difficult>{difficult}</difficult><bndbox>{box}</bndbox></object>"
VOC_BOX = "<xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax>"


def voc_xml(filename: str, size: tuple[int, int] | None, objects: list[tuple[str, str, int]]) -> str:
    """An annotation; `objects` are (name, box xml, difficult)."""
    size_xml = f"<size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>" if size else ""
    body = "".join(VOC_OBJECT.format(name=n, box=b, difficult=d) for n, b, d in objects)
    return f"<annotation>\n<filename>{filename}</filename>\n{size_xml}\n{body}\n</annotation>\n"


def write_voc(root: Path) -> list[Defect]:
    """A VOC tree: each annotation plants one defect; `turned` is stored sideways with boxes on the stored pixels."""
    box = VOC_BOX.format(8, 8, 24, 20)
    cases = {
        "ok": ("ok.jpg", (64, 48), [("cat", box, 0)], None),
        "nosize": ("nosize.jpg", None, [("cat", box, 0)], ("size missing", "warning")),
        "badsize": ("badsize.jpg", (100, 100), [("cat", box, 0)], ("annotation says 100x100", "error")),
        "hard": ("hard.jpg", (64, 48), [("dog", box, 1)], ("marked difficult", "note")),
        "escape": ("../../outside.jpg", (64, 48), [("cat", box, 0)], ("points outside JPEGImages", "error")),
        "lost": ("lost.jpg", (64, 48), [("cat", box, 0)], ("does not exist", "error")),
        "nobox": ("nobox.jpg", (64, 48), [("cat", VOC_BOX.format("a", 1, 2, 3), 0)], ("bndbox missing", "error")),
        "dot": ("dot.jpg", (64, 48), [("cat", VOC_BOX.format(5, 5, 5, 5), 0)], ("zero or negative area", "error")),
        "wide": ("wide.jpg", (64, 48), [("cat", VOC_BOX.format(50, 8, 70, 20), 0)], ("past the 64x48", "warning")),
        "turned": ("turned.jpg", (64, 48), [("cat", VOC_BOX.format(0, 0, 16, 8), 0)], ("turned with EXIF", "note")),
        "val_ok": ("val_ok.jpg", (64, 48), [("cat", box, 0)], None),  # val's one image: a declared split is not empty
    }
    (root / "Annotations").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    (root / "ImageSets/Main").mkdir(parents=True)
    defects = []
    for seed, (stem, (filename, size, objects, expected)) in enumerate(cases.items()):
        (root / "Annotations" / f"{stem}.xml").write_text(voc_xml(filename, size, objects))
        if stem != "lost":
            picture = photo(seed=100 + seed)
            data = with_orientation(_white_corner(picture), 6) if stem == "turned" else jpeg(picture)
            (root / "JPEGImages" / f"{stem}.jpg").write_bytes(data)
        if expected:
            defects.append(Defect(f"{stem}.xml", *expected))
    (root / "Annotations/broken.xml").write_text("<annotation><filename>x.jpg</filename>\n<size>")
    (root / "ImageSets/Main/train.txt").write_text("\n".join(c for c in cases if c != "val_ok") + "\n")
    (root / "ImageSets/Main/val.txt").write_text("ok\nval_ok\n")
    return [
        *defects,
        Defect("broken.xml", "not valid XML", "error"),
        Defect("val.txt", "ok is also in train", "error"),
    ]


def _white_corner(picture: Image.Image) -> Image.Image:
    """A white block at the stored pixels' top-left 16x8: where the `turned` annotation puts its box."""
    pixels = np.asarray(picture).copy() // 4  # dark, so the block is the only white
    pixels[:8, :16] = 255
    return Image.fromarray(pixels)


def write_coco(root: Path) -> list[Defect]:
    """A COCO JSON with non-contiguous category ids and one defect per annotation or image entry."""
    root.mkdir(parents=True)
    images = [{"id": i, "file_name": f"im{i}.jpg", "width": 64, "height": 48} for i in range(1, 5)] + [
        {"id": 9, "file_name": "gone.jpg", "width": 64, "height": 48},
        {"id": 10, "file_name": "nosize.jpg"},
    ]
    for entry in images:
        if entry["file_name"] != "gone.jpg":
            (root / entry["file_name"]).write_bytes(jpeg(photo(seed=200 + entry["id"])))
    annotations = [
        {"id": 1, "image_id": 1, "category_id": 3, "bbox": [4, 4, 20, 10]},
        {"id": 2, "image_id": 77, "category_id": 3, "bbox": [4, 4, 20, 10]},
        {"id": 3, "image_id": 2, "category_id": 8, "bbox": [4, 4, 20, 10]},
        {"id": 4, "image_id": 3, "category_id": 1, "bbox": [4, 4, 20, 10], "iscrowd": 1},
        {"id": 5, "image_id": 4, "category_id": 1, "bbox": [50, 4, 30, 10]},
        {"id": 6, "image_id": 1, "category_id": 1, "bbox": [4, 4, 0, 10]},
    ]
    categories = [{"id": 1, "name": "cat"}, {"id": 3, "name": "dog"}]
    (root / "instances_train.json").write_text(
        json.dumps({"images": images, "annotations": annotations, "categories": categories})
    )
    return [
        Defect("instances_train.json", "category ids [1, 3] are not contiguous", "warning"),
        Defect("instances_train.json", "annotation 2 refers to image id 77", "error"),
        Defect("instances_train.json", "annotation 3: unknown category id 8", "error"),
        Defect("instances_train.json", "annotation 4: crowd region skipped", "note"),
        Defect("instances_train.json", "annotation 5: box (50,4)-(80,14) past the 64x48 image", "warning"),
        Defect("instances_train.json", "annotation 6: box has zero or negative area", "error"),
        Defect("instances_train.json", "'gone.jpg' not found", "error"),
        Defect("instances_train.json", "nosize.jpg: width/height missing", "error"),
    ]
