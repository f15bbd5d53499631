"""A disk that fills up while yoloop writes (issue 17): exit 2 naming the output, the earlier output intact.

The disk is a small tmpfs mounted in the test (mounting needs root, or sudo without a password; without
either the tests skip, saying so, and under CI that skip is a failure).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testkit.processes import init_repo, python
from testkit.real_data import tree_digest
from tests.broken_corpus import jpeg, photo
from tests.faults.stage_processes import run_stage, session_prefect_env, stage_env

pytestmark = pytest.mark.slow


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` (made if missing) for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    mount = [*sudo, "mount", "-t", "tmpfs", "-o", f"size={size},mode=1777", "tmpfs", str(folder)]
    mounted = subprocess.run(mount, capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs on {folder} (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run([*sudo, "umount", "--lazy", str(folder)], check=True)


def _fill(folder: Path, leave: int) -> Path:
    """A file that leaves only `leave` bytes free on `folder`'s disk."""
    stats = os.statvfs(folder)
    filler = folder / "filler.bin"
    filler.write_bytes(b"\0" * max(stats.f_bavail * stats.f_frsize - leave, 0))
    return filler


def _yolo_set(folder: Path, count: int, side: int) -> Path:
    """A YOLO dataset of `count` noise photos (they do not compress) with one box each."""
    (folder / "images" / "train").mkdir(parents=True)
    (folder / "labels" / "train").mkdir(parents=True)
    for index in range(count):
        (folder / "images" / "train" / f"p{index}.jpg").write_bytes(jpeg(photo((side, side), seed=index)))
        (folder / "labels" / "train" / f"p{index}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (folder / "data.yaml").write_text("train: images/train\nnames: [cat]\n")
    return folder


def test_an_import_that_fills_the_disk_names_the_copy_and_keeps_the_earlier_import(tmp_path):
    repo = init_repo(tmp_path / "repo", commit=True)
    with small_disk(repo / "data" / "raw", "1m") as raw:
        python("-m", "cli", "import", str(_yolo_set(tmp_path / "small", 2, 64)), "--name", "small", cwd=repo)
        before, listed = tree_digest(raw), sorted(p.name for p in raw.iterdir())  # small, small.dvc, .gitignore
        big = _yolo_set(tmp_path / "big", 24, 256)  # about 1.6 MB of photos
        result = python("-m", "cli", "import", str(big), "--name", "big", cwd=repo, check=False)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "data/raw/big: no space left on the device (ENOSPC)" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert sorted(p.name for p in raw.iterdir()) == listed  # no big, .big.partial or big.dvc
        assert tree_digest(raw) == before


def test_a_stage_whose_output_fills_the_disk_stops_naming_it_and_keeps_the_earlier_output(make_project, tmp_path):
    project = make_project()
    env = stage_env(project, tmp_path / "state", **session_prefect_env())
    with small_disk(project.root / "data", "4m") as data:
        first = run_stage("prepare", project, env)
        assert first.returncode == 0, first.stderr[-3000:]
        before = tree_digest(data)
        filler = _fill(data, leave=16 * 1024)
        result = run_stage("prepare", project, env)
        assert result.returncode == 2, result.stderr[-3000:]
        last = result.stderr.strip().splitlines()[-1]  # Prefect logs the failed flow run's traceback before it
        assert last.startswith("error: data/") and "no space left on the device (ENOSPC)" in last, result.stderr[-3000:]
        filler.unlink()
        assert tree_digest(data) == before  # every earlier output as it was, no .partial left beside it
