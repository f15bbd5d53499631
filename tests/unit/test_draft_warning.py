"""A batch without a single draft box says so: the labeller will draw every box from scratch."""

from __future__ import annotations

from tasks.core import BatchEntry, RelabelBatch, write_relabel_batch
from tasks.mine.reports import warn_without_drafts


def _batch(tmp_path, drafts: list[int]):
    batch = tmp_path / "round-1"
    batch.mkdir()
    images = [
        BatchEntry(image=f"pool/images/{i}.jpg", file=f"{i}.jpg", rank=i + 1, reason="", draft_boxes=n, scores={})
        for i, n in enumerate(drafts)
    ]
    listing = RelabelBatch(round=1, model="train:1", params={}, excluded=0, names=["a"], images=images)
    write_relabel_batch(batch, listing)
    return batch


def test_no_drafts_is_a_warning_naming_the_batch_and_the_threshold(tmp_path, capsys):
    batch = _batch(tmp_path, [0, 0, 0])
    assert warn_without_drafts(batch, 0.25) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"warning: {batch}: no draft boxes") and "mine.draft_conf=0.25" in out


def test_drafts_are_counted_and_nothing_is_said(tmp_path, capsys):
    assert warn_without_drafts(_batch(tmp_path, [0, 2, 1]), 0.25) == 3
    assert capsys.readouterr().out == ""
