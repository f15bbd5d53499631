"""Labels taken back for an image the label audit handed out replace its labels where it is (prepare)."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.core import Layout
from tasks.prepare import add_label_rounds


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_audited_image_is_corrected_in_place_and_a_pool_image_joins_new_train(tmp_path):
    layout = Layout(tmp_path)  # the manifest keys are relative to the project root, like data/prepared/...
    prepared = tmp_path / "data/.prepared.partial"  # where prepare builds data/prepared
    write(prepared / "base/images/train/a.jpg", "pixels of a")
    write(prepared / "base/labels/train/a.txt", "0 0.5 0.5 0.2 0.2\n")  # the wrong label
    round_dir = layout.labels / "round-1"
    write(round_dir / "images/a.jpg", "pixels of a")
    write(round_dir / "labels/a.txt", "1 0.5 0.5 0.2 0.2\n")  # corrected: another class
    write(round_dir / "images/pool_1.jpg", "pixels of a pool image")
    write(round_dir / "labels/pool_1.txt", "2 0.4 0.4 0.1 0.1\n")
    entries = [
        {"image": "data/prepared/base/images/train/a.jpg", "file": "a.jpg", "source": "audit"},
        {"image": "data/pool/images/pool_1.jpg", "file": "pool_1.jpg"},
    ]
    write(round_dir / "manifest.json", json.dumps({"round": 1, "names": ["r", "c", "s"], "images": entries}))
    assert add_label_rounds(layout, prepared) == 2
    assert (prepared / "base/labels/train/a.txt").read_text() == "1 0.5 0.5 0.2 0.2\n"
    assert sorted(p.name for p in (prepared / "new/images/train").iterdir()) == ["pool_1.jpg"]
    assert (prepared / "new/labels/train/pool_1.txt").read_text() == "2 0.4 0.4 0.1 0.1\n"
