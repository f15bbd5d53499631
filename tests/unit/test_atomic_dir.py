"""atomic_dir: a build that fails or is cut off never leaves a part of a folder at its path (issue 17)."""

from __future__ import annotations

import pytest

from tasks.core import atomic_dir


def _build(target, files: dict[str, str], keep_old: bool = False) -> None:
    with atomic_dir(target) as staging:
        if keep_old and target.exists():
            for old in target.iterdir():
                (staging / old.name).write_text(old.read_text())
        for name, text in files.items():
            (staging / name).write_text(text)


def test_a_build_that_fails_leaves_the_old_folder_and_no_staging(tmp_path):
    target = tmp_path / "round-1"
    _build(target, {"a.txt": "old"})
    with pytest.raises(RuntimeError), atomic_dir(target) as staging:
        (staging / "a.txt").write_text("new")
        raise RuntimeError("cut off")
    assert [p.name for p in target.iterdir()] == ["a.txt"] and (target / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-1"]


def test_a_swap_cut_after_the_old_folder_moved_aside_loses_nothing_on_the_next_build(tmp_path):
    """A kill between the two renames leaves only `.round-1.old` (and a whole `.round-1.partial`)."""
    target = tmp_path / "round-1"
    _build(target, {"a.txt": "first import"})
    target.rename(tmp_path / ".round-1.old")  # where the kill left it
    (tmp_path / ".round-1.partial").mkdir()
    (tmp_path / ".round-1.partial" / "b.txt").write_text("the cut-off import")
    _build(target, {"b.txt": "second import"}, keep_old=True)  # merges with what is there, as labels import does
    assert {p.name: p.read_text() for p in target.iterdir()} == {"a.txt": "first import", "b.txt": "second import"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-1"]
