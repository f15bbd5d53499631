"""`yoloop predict` before any model runs: what it reads (bad paths, nothing to predict on: exit 2 naming the path),
where its outputs go, and drawing that never reaches for a font (Ultralytics would download one)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from tasks.core import InputError
from tasks.predict import find_media
from tasks.predict.predicting import ascii_names, draw, require_out


def predict(*args: str):
    return CliRunner().invoke(app, ["predict", *args, "--model", "never-loaded.pt"])


def test_an_empty_folder_is_exit_2_naming_it(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("no pictures here")
    (tmp_path / "empty" / ".hidden.jpg").write_bytes(b"hidden files are not read")
    result = predict(str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'empty'}: no image and no video in it" in result.stderr
    assert not (tmp_path / "reports").exists() and not list(tmp_path.glob("*/boxes.csv"))


def test_a_missing_path_or_a_file_of_another_kind_is_exit_2_naming_it(tmp_path):
    missing = predict(str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and f"{tmp_path / 'nowhere'}: no such file or folder" in missing.stderr
    (tmp_path / "labels.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    other = predict(str(tmp_path / "labels.txt"))
    assert other.exit_code == 2 and "labels.txt: neither an image nor a video" in other.stderr


def test_media_are_found_at_any_depth_in_any_case(tmp_path):
    for name in ("a.JPG", "deep/b.png", "deep/er/clip.MP4", "skip.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    media = find_media(tmp_path)
    assert [media.name(p) for p in media.images] == ["a.JPG", "deep/b.png"]
    assert [media.name(p) for p in media.videos] == ["deep/er/clip.MP4"]
    single = find_media(tmp_path / "deep/b.png")
    assert single.images == [tmp_path / "deep/b.png"] and single.name(single.images[0]) == "b.png"


def test_out_is_never_a_folder_of_other_files(tmp_path):
    require_out(tmp_path / "new")
    (tmp_path / "earlier").mkdir()
    (tmp_path / "earlier" / "boxes.json").write_text("{}")
    require_out(tmp_path / "earlier")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("years of work")
    with pytest.raises(InputError, match="mine: exists and is not the output of `yoloop predict`"):
        require_out(tmp_path / "mine")


def test_names_are_drawn_in_ascii_without_a_font(monkeypatch):
    import ultralytics.utils.plotting as plotting
    from ultralytics.engine.results import Results

    fetched = []
    monkeypatch.setattr(plotting, "check_font", lambda *a, **k: fetched.append(a) or None)
    names = {0: "café", 1: "кот"}
    assert ascii_names(names) == {0: "cafe", 1: "class 1"}
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    boxes = np.array([[4, 4, 30, 30, 0.9, 0], [20, 20, 60, 60, 0.8, 1]], dtype=np.float32)
    result = Results(image, path="x.jpg", names=names, boxes=boxes)
    drawn = draw(result)
    assert fetched == [], "a font was looked up (and downloaded when missing)"
    assert drawn.shape == image.shape and drawn.any(), "boxes drawn"
    assert result.names == names, "the result keeps its own names"
