"""Video frames split at random into train and test (issue 27): the leak is found by default, and a re-split
keeps each scene in one split.

Six scenes of eight frames (tests/video_frames.py); 19 of the 48 frames land in test, and each of those is
near-identical to a frame of its scene in train. With the defaults, the import warns about each one and prepare
stops (more than imports.max_leak_share of test leaks), naming prepare.resplit; the re-split draws the six
scenes, not the 48 frames.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from tasks.core import DatasetRef, ImportParams, InputError, ResplitParams
from tasks.data import import_dataset
from tasks.prepare.merge import left_out_table, merge_datasets
from tests.video_frames import write_frames_dataset

DEFAULTS = ImportParams()
REFS = [DatasetRef(name="frames")]


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> tuple[Path, dict[str, int], dict]:
    root = tmp_path_factory.mktemp("frames")
    scene_of = write_frames_dataset(root / "src")
    result = import_dataset(root / "src" / "data.yaml", "frames", params=DEFAULTS, raw=root / "raw", use_dvc=False)
    return root / "raw", scene_of, result.report


def _scene(image_where: str, scene_of: dict[str, int]) -> int:
    return scene_of[Path(image_where).stem]


def test_the_import_warns_about_each_frame_that_leaks(frames):
    raw, scene_of, report = frames
    assert report["images"] == {"train": 29, "val": 0, "test": 19}
    leaks = [f for f in report["findings"] if "a leak into test" in f["reason"]]
    assert len(leaks) == 19 and all(f["severity"] == "warning" for f in leaks)
    for finding in leaks:  # each test frame is near-identical to a train frame of its own scene
        seen = finding["reason"].split("near-identical to ")[1].split(" ")[0]
        assert _scene(finding["path"], scene_of) == _scene(seen, scene_of)
    [summary] = [
        f["reason"] for f in report["findings"] if "pictures near-identical to one of an earlier" in f["reason"]
    ]
    assert ": 133 pairs in 6 groups, the largest of 8 pictures" in summary
    assert "test 19 of 19 (100%)" in summary and "prepare stops on test" in summary


def test_the_default_prepare_stops_and_names_the_fix(frames):
    raw, _, _ = frames
    with pytest.raises(InputError) as stopped:
        merge_datasets(raw, REFS, ["box"], None, 7, DEFAULTS)
    text = "\n".join(stopped.value.lines)
    assert stopped.value.lines[0].startswith("prepare: test: 19 of its 19 pictures (100%) leak")
    assert "imports.max_leak_share (0.1)" in text and "set prepare.resplit" in text


def test_under_the_share_the_leaking_frames_are_left_out(frames):
    raw, scene_of, _ = frames
    kept, findings = merge_datasets(raw, REFS, ["box"], None, 7, DEFAULTS.model_copy(update={"max_leak_share": 1.0}))
    assert not [image for image in kept if image.split == "test"]
    left = [row for row in left_out_table(kept, False) if row["kind"] == "near-duplicate"]
    assert len(left) == 19 and all(row["split"] == "test" and row["kept_split"] == "train" for row in left)
    assert all(_scene(row["image"], scene_of) == _scene(row["kept"], scene_of) for row in left)
    errors = [f for f in findings if f.severity == "error"]
    assert len(errors) == 19 and all("near-identical to frames/images/train/" in f.reason for f in errors)


def test_resplit_keeps_each_scene_in_one_split(frames):
    raw, scene_of, _ = frames
    kept, findings = merge_datasets(raw, REFS, ["box"], ResplitParams(val=0.2, test=0.2), 7, DEFAULTS)
    assert len(kept) == 48 and not [f for f in findings if f.severity == "error"]
    splits_of_scene = defaultdict(set)
    for image in kept:
        splits_of_scene[_scene(image.rel, scene_of)].add(image.split)
    assert all(len(splits) == 1 for splits in splits_of_scene.values()), dict(splits_of_scene)
    assert len({split for splits in splits_of_scene.values() for split in splits}) >= 2
    [note] = [f.reason for f in findings if f.reason.startswith("prepare.resplit drew")]
    assert note.startswith("prepare.resplit drew 6 groups, not 48 pictures")
    assert "the largest group: 8 pictures" in note
    apart, _ = merge_datasets(
        raw, REFS, ["box"], ResplitParams(val=0.2, test=0.2), 7, DEFAULTS.model_copy(update={"near_duplicates": False})
    )
    scattered = defaultdict(set)  # without the near-duplicate chains, frames draw one by one
    for image in apart:
        scattered[_scene(image.rel, scene_of)].add(image.split)
    assert any(len(splits) > 1 for splits in scattered.values())


def test_the_manifest_keeps_both_hashes(frames):
    raw, _, _ = frames
    entry = json.loads((raw / "frames" / "manifest.json").read_text())["images"][0]
    assert len(entry["dhash"]) == len(entry["phash"]) == 16
