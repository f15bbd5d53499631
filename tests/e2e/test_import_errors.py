"""Nothing to import is an error: `yoloop import` exits 2, says what it looked for and where, and writes nothing.

Run as a user runs it, in a git + DVC repository, so that a copy or a `dvc add` would show.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from testkit.processes import init_repo, python, run
from tests.broken_corpus import jpeg, photo


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return init_repo(tmp_path_factory.mktemp("repo"), commit=True)


def _images(folder: Path, count: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (folder / f"p{index}.jpg").write_bytes(jpeg(photo(seed=index)))


def zero_images(src: Path) -> None:
    (src / "images" / "train").mkdir(parents=True)
    (src / "data.yaml").write_text("train: images/train\nnames: [cat]\n")


def no_label_file(src: Path) -> None:
    _images(src / "images" / "train")
    (src / "data.yaml").write_text("train: images/train\nnames: [cat]\n")


def declared_split_missing(src: Path) -> None:
    """Issue 27: a split the yaml names that matches no folder at all stops the import (it went on, exit 0)."""
    _images(src / "images" / "train")
    for index in range(2):
        (src / "labels" / "train").mkdir(parents=True, exist_ok=True)
        (src / "labels" / "train" / f"p{index}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (src / "data.yaml").write_text("train: images/train\nval: elsewhere/val/images\nnames: [cat]\n")


def voc_without_images(src: Path) -> None:
    (src / "Annotations").mkdir(parents=True)
    (src / "Annotations" / "a.xml").write_text("<annotation><filename>a.jpg</filename></annotation>\n")


def unknown_layout(src: Path) -> None:
    _images(src / "photos")


def empty_unlabelled(src: Path) -> None:
    src.mkdir(parents=True)
    (src / "readme.txt").write_text("no photos here\n")


CASES: list[tuple[Callable[[Path], None], list[str], list[str]]] = [
    (zero_images, [], ["nothing to import (yolo): no image (.jpg", "at any depth"]),
    (no_label_file, [], ["2 images but no label file at all", "labels/<split>/<stem>.txt", "--unlabelled"]),
    (
        declared_split_missing,
        [],
        [
            "val: declared (data.yaml val: 'elsewhere/val/images') but no image of it can be imported",
            "train 2 -> 2, val 0 -> 0",
            "imports.optional_splits",
        ],
    ),
    (voc_without_images, [], ["nothing to import (voc): no image", "a.xml", "does not exist (looked in"]),
    (unknown_layout, [], ["cannot tell the dataset format; looked for:", "COCO JSON", "classes.txt", "found 2 images"]),
    (empty_unlabelled, ["--unlabelled"], ["no image or video to import", ".mp4", "at any depth"]),
]


@pytest.mark.parametrize(("build", "flags", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_nothing_to_import_exits_2_and_writes_nothing(repo, tmp_path, build, flags, expected):
    build(tmp_path / "src")
    result = python("-m", "cli", "import", str(tmp_path / "src"), "--name", "set", *flags, cwd=repo, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    for fragment in expected:
        assert fragment in result.stderr, result.stderr
    assert not (repo / "data").exists()  # no data/raw/set, no data/raw/set.dvc, no .gitignore
    assert run("git", "status", "--porcelain", cwd=repo).stdout == ""
