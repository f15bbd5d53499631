"""A batch without a single draft box says so: the labeller will draw every box from scratch."""

from __future__ import annotations

import json

from tasks.mine.reports import warn_without_drafts


def _batch(tmp_path, drafts: list[int]):
    batch = tmp_path / "round-1"
    batch.mkdir()
    images = [{"image": f"pool/images/{i}.jpg", "draft_boxes": n} for i, n in enumerate(drafts)]
    (batch / "manifest.json").write_text(json.dumps({"images": images}))
    return batch


def test_no_drafts_is_a_warning_naming_the_batch_and_the_threshold(tmp_path, capsys):
    batch = _batch(tmp_path, [0, 0, 0])
    assert warn_without_drafts(batch, 0.25) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"warning: {batch}: no draft boxes") and "mine.draft_conf=0.25" in out


def test_drafts_are_counted_and_nothing_is_said(tmp_path, capsys):
    assert warn_without_drafts(_batch(tmp_path, [0, 2, 1]), 0.25) == 3
    assert capsys.readouterr().out == ""
