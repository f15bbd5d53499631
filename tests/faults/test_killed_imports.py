"""SIGKILL in the middle of `yoloop import` and `yoloop labels import`, then the same command again (issue 17).

Each command is killed at two points: while it copies (its `.<name>.partial` has files) and while
`dvc add` versions the new folder (DVC's lock file holds a write lock on it). After the kill the
output path holds the earlier version or the whole new one, never a part; the rerun ends as an
uninterrupted run of the same command on a copy of the same repository does: the same DVC hash in
the .dvc file, the same files, no temporary file left, `dvc status` clean.
The labelling round (`yoloop labels pull` from Label Studio) is killed in tests/stages/test_labelstudio.py.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from testkit.processes import init_repo, project_env, python
from testkit.real_data import tree_digest
from tests.broken_corpus import jpeg, photo
from tests.faults.stage_processes import dvc_versioning, kill_when, leftovers, start_process
from tests.relabel_batch import returned_labels, write_batch

pytestmark = pytest.mark.slow
COUNT = 3000  # files enough that each point lasts a good part of a second on a busy machine


def at_point(point: str, repo: Path, dest: Path, new_file: str) -> Callable[[], bool]:
    """`copy`: `new_file`, which only the new version has, is written (in the staging folder or, were the copy
    not atomic, in `dest` itself); `dvc add`: DVC versions `dest`."""
    if point == "copy":
        return lambda: any((folder / new_file).exists() for folder in (dest.with_name(f".{dest.name}.partial"), dest))
    return lambda: dvc_versioning(repo, dest)


def dvc_hash(dvc_file: Path) -> dict:
    (out,) = yaml.safe_load(dvc_file.read_text())["outs"]
    return {key: out[key] for key in ("md5", "nfiles", "size")}


def assert_same_version(repo: Path, reference: Path, folder: str) -> None:
    """`folder` of `repo` is the version an uninterrupted run made in `reference`, fully versioned."""
    assert dvc_hash(repo / f"{folder}.dvc") == dvc_hash(reference / f"{folder}.dvc")
    assert tree_digest(repo / folder) == tree_digest(reference / folder)
    assert leftovers(repo) == []
    status = python("-m", "dvc", "status", f"{folder}.dvc", cwd=repo).stdout
    assert "up to date" in status, status


def kill_at(point: str, command: list[str], repo: Path, dest: Path, new_file: str, log: Path) -> None:
    process = start_process(command, repo, project_env(YOLOOP_STATE_DIR=str(log.parent / "state")), log)
    kill_when(process, " ".join(command[3:5]), at_point(point, repo, dest, new_file), log)


def photos(folder: Path, count: int) -> Path:
    """A YOLO dataset of `count` small distinct photos, one box each."""
    (folder / "images/train").mkdir(parents=True)
    (folder / "labels/train").mkdir(parents=True)
    for index in range(count):
        (folder / f"images/train/p{index}.jpg").write_bytes(jpeg(photo((48, 48), seed=index)))
        (folder / f"labels/train/p{index}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (folder / "data.yaml").write_text("train: images/train\nnames: [cat]\n")
    return folder


@pytest.mark.parametrize("point", ["copy", "dvc add"])
def test_a_killed_import_publishes_no_part_and_its_rerun_equals_an_uninterrupted_import(point, tmp_path):
    source = photos(tmp_path / "photos", COUNT)
    command = [sys.executable, "-m", "cli", "import", str(source), "--name", "photos"]
    killed, reference = (init_repo(tmp_path / name, commit=True) for name in ("killed", "reference"))
    python(*command[1:], cwd=reference)
    dest = killed / "data/raw/photos"

    kill_at(point, command, killed, dest, f"images/train/p{COUNT // 2}.jpg", tmp_path / "killed.log")
    assert not (killed / "data/raw/photos.dvc").exists(), "killed before the version was recorded"
    if point == "copy":
        assert not dest.exists(), "a part of the copy was published"
    else:
        assert tree_digest(dest) == tree_digest(reference / "data/raw/photos"), "the folder in place is whole"

    python(*command[1:], cwd=killed)
    assert_same_version(killed, reference, "data/raw/photos")


@pytest.mark.parametrize("point", ["copy", "dvc add"])
def test_a_killed_labels_import_keeps_the_earlier_round_and_its_rerun_equals_an_uninterrupted_one(point, tmp_path):
    killed = tmp_path / "killed"
    batch = write_batch(killed, count=COUNT)
    init_repo(killed, commit=True)
    returned = returned_labels(batch, tmp_path / "returned")
    earlier = tmp_path / "earlier"
    (earlier / "labels").mkdir(parents=True)
    for path in returned[: COUNT // 2]:  # a first import of half the round, as a labeller's first session
        shutil.copyfile(path, earlier / "labels" / path.name)
    python("-m", "cli", "labels", "import", str(earlier), cwd=killed)
    dest, round_dvc = killed / "data/labels/round-1", killed / "data/labels/round-1.dvc"
    before, before_dvc = tree_digest(dest), round_dvc.read_text()
    reference = tmp_path / "reference"
    shutil.copytree(killed, reference, symlinks=True)
    command = [sys.executable, "-m", "cli", "labels", "import", str(tmp_path / "returned")]
    python(*command[1:], cwd=reference)

    kill_at(point, command, killed, dest, f"labels/{returned[COUNT * 3 // 4].name}", tmp_path / "killed.log")
    assert tree_digest(dest) in (before, tree_digest(reference / "data/labels/round-1")), "a part was published"
    if point == "copy":
        assert tree_digest(dest) == before and round_dvc.read_text() == before_dvc

    python(*command[1:], cwd=killed)
    assert_same_version(killed, reference, "data/labels/round-1")
