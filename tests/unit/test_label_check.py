"""The label and image gate: each bad line or image gives its own finding, naming file and line."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tasks.core import Finding
from tasks.data import check_label_file
from tasks.data.image_check import check_image_file
from tasks.data.label_check import parse_label_file


def test_finding_prints_path_and_line():
    assert str(Finding("a/b.txt", 3, "bad", "error")) == "a/b.txt:3: bad"
    assert str(Finding("a/b.jpg", None, "bad", "note")) == "a/b.jpg: bad"


def test_each_bad_line_names_its_line(tmp_path: Path):
    path = tmp_path / "x.txt"
    path.write_text("0 0.5 0.5 0.2 0.2\n0 0.5 0.5\n7 0.5 0.5 0.1 0.1\n0 a 0.5 0.1 0.1\n0 0.5 0.5 0 0.1\n")
    found = {(f.line, f.reason.split(" ")[0]) for f in check_label_file(path, 2)}
    assert found == {(2, "expected"), (3, "class"), (4, "not"), (5, "box")}
    labels, _ = parse_label_file(path, 2)
    assert len(labels) == 1


def test_good_files_give_no_findings(tmp_path: Path):
    (tmp_path / "ok.txt").write_text("1 0.5 0.5 0.2 0.2\n")
    Image.new("RGB", (32, 32)).save(tmp_path / "ok.jpg")
    assert check_label_file(tmp_path / "ok.txt", 2) == []
    assert check_image_file(tmp_path / "ok.jpg") == []


def test_not_an_image_after_ultralytics_patched_pil(tmp_path: Path):
    """Ultralytics replaces Image.open with one that wants pi-heif for unknown files; still a finding, no crash."""
    import ultralytics.utils.patches  # noqa: F401

    (tmp_path / "notes.jpg").write_text("not a picture")
    [finding] = check_image_file(tmp_path / "notes.jpg")
    assert finding.severity == "error" and "not an image" in finding.reason
