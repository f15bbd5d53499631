"""Two label sets of the same images in one folder (issue 27): VOC .xml in `labels xml/`, YOLO .txt in `labels/`.

Both are named, the one imported is said (`--format` chooses), and where they describe the same images their
agreement is reported: here b.jpg's cat box is 6 px to the right in the YOLO set (IoU 0.45).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.core import ImportParams
from tasks.data import import_dataset
from tasks.data.layouts import detect_format
from tests.broken_corpus import VOC_BOX, jpeg, photo, voc_xml

WIDTH, HEIGHT = 64, 48
BOXES = {
    "a": [("cat", (8, 8, 24, 20)), ("dog", (30, 10, 50, 40))],
    "b": [("cat", (8, 8, 24, 20))],
    "c": [("dog", (4, 4, 40, 30))],
}
MOVED = ("b", (14, 8, 30, 20))  # b's cat box, 6 px to the right in the YOLO set


def _yolo_line(name: str, corners: tuple[int, int, int, int]) -> str:
    x0, y0, x1, y1 = corners
    cx, cy, w, h = (x0 + x1) / 2 / WIDTH, (y0 + y1) / 2 / HEIGHT, (x1 - x0) / WIDTH, (y1 - y0) / HEIGHT
    return f"{['cat', 'dog'].index(name)} {cx:.6f} {cy:.6f} {w:.6f} {h:.6f}\n"


def two_label_sets(root: Path) -> None:
    for seed, (stem, boxes) in enumerate(BOXES.items()):
        (root / "images").mkdir(parents=True, exist_ok=True)
        (root / "images" / f"{stem}.jpg").write_bytes(jpeg(photo((WIDTH, HEIGHT), seed=seed)))
        objects = [(name, VOC_BOX.format(*corners), 0) for name, corners in boxes]
        (root / "labels xml").mkdir(exist_ok=True)
        (root / "labels xml" / f"{stem}.xml").write_text(voc_xml(f"{stem}.jpg", (WIDTH, HEIGHT), objects))
        yolo = [(name, MOVED[1] if stem == MOVED[0] else corners) for name, corners in boxes]
        (root / "labels").mkdir(exist_ok=True)
        (root / "labels" / f"{stem}.txt").write_text("".join(_yolo_line(n, c) for n, c in yolo))
    (root / "labels" / "classes.txt").write_text("cat\ndog\n")


@pytest.mark.parametrize(("fmt", "used", "other"), [("auto", "VOC", "YOLO"), ("yolo", "YOLO", "VOC")])
def test_both_sets_are_named_and_the_moved_box_is_reported(tmp_path, fmt, used, other):
    two_label_sets(tmp_path / "src")
    assert detect_format(tmp_path / "src") == "voc"  # auto reads the xml: the finding must say so
    result = import_dataset(tmp_path / "src", "set", fmt, ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    assert result.report["images"] == {"train": 3, "val": 0, "test": 0}
    warnings = [f for f in result.report["findings"] if f["severity"] == "warning"]
    [overview] = [f["reason"] for f in warnings if f["reason"].startswith("two label sets here")]
    where = {"VOC": "VOC .xml in labels xml/ (3 images)", "YOLO": "YOLO .txt in labels/ (3 images)"}
    assert overview.startswith(
        f"two label sets here: {where[used]}, imported, and {where[other]}, not imported "
        f"(--format {other.lower()} imports that one instead). On the 3 images both describe: 2 agree, 1 differ"
    )
    assert "IoU of the paired boxes min 0.45, median 1.00" in overview
    assert overview.endswith(f"boxes in one set only: 0 {used}, 0 {other}")
    [moved] = [f for f in warnings if f["reason"].startswith("the two label sets differ here")]
    assert Path(moved["path"]).name == "b.jpg"
    label = "labels/b.txt" if other == "YOLO" else "labels xml/b.xml"
    assert moved["reason"] == (
        f"the two label sets differ here: {used} (imported) vs {other} ({label}): 1 vs 1 boxes; "
        "IoU of the paired boxes 0.45 (classes cat)"
    )
    assert "2 errors" not in result.summary and "ERRORS" not in result.summary


def test_one_label_set_says_nothing_of_another(tmp_path):
    two_label_sets(tmp_path / "src")
    for path in (tmp_path / "src" / "labels").iterdir():
        path.unlink()
    result = import_dataset(tmp_path / "src", "set", params=ImportParams(), raw=tmp_path / "raw", use_dvc=False)
    assert not [f for f in result.report["findings"] if "label set" in f["reason"]]
