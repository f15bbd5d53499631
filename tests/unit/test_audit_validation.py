"""The fold models of the audit need a val split: none is an exit-2 error naming audit.data, not Ultralytics' crash."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tasks.audit import validation_images
from tasks.core import InputError


def _prepared(tmp_path, *val_folders: str):
    for folder in val_folders:
        (tmp_path / folder / "images" / "val").mkdir(parents=True)
        (tmp_path / folder / "images" / "val" / "a.jpg").write_bytes(b"")
    (tmp_path / "new" / "images" / "val").mkdir(parents=True, exist_ok=True)
    return SimpleNamespace(root=tmp_path)


def test_no_val_image_in_the_audited_part_names_audit_data(tmp_path):
    with pytest.raises(InputError) as raised:
        validation_images(_prepared(tmp_path, "base"), "new")
    assert "audit.data: new: no val image" in str(raised.value) and "audit.data: all" in str(raised.value)


def test_all_takes_the_val_images_of_both_parts(tmp_path):
    assert [p.name for p in validation_images(_prepared(tmp_path, "base"), "all")] == ["a.jpg"]
