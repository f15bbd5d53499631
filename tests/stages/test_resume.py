"""A training run killed mid-way, then run again, resumes from its last checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.core import Layout, wait_for
from tasks.train.checkpoints import resumable_checkpoint
from testkit.processes import project_env

pytestmark = pytest.mark.slow
EPOCHS = 6
# Enough training images that an epoch lasts seconds: the test must see a checkpoint of epoch 2 to 5 before the
# run ends (the final one is stripped); with the profile's 12 images a busy machine's poll could miss all four.
LONGER_EPOCHS = {"prepare": {"builtin": {"images": {"base_train": 96}}}, "train": {"epochs": EPOCHS, "patience": 0}}


def _checkpointed_epoch(process: subprocess.Popen, runs: Path) -> int | None:
    """The epoch of a checkpoint past epoch 1 if there is one; fails at once if the stage has ended."""
    import torch

    assert process.poll() is None, f"the stage ended (rc={process.returncode}) before a checkpoint past epoch 1"
    for last in runs.glob("*/weights/last.pt"):
        try:
            epoch = torch.load(last, map_location="cpu", weights_only=False)["epoch"]
        except Exception:  # being written right now
            continue
        if epoch >= 1:
            return epoch
    return None


def _kill_when_checkpointed(process: subprocess.Popen, runs: Path, timeout_s: float = 600) -> int:
    """SIGKILL the stage (and its children) once a checkpoint past epoch 1 exists; return that epoch."""
    epoch = wait_for(lambda: _checkpointed_epoch(process, runs), timeout_s, "a checkpoint past epoch 1", 0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return epoch


def test_killed_training_resumes_from_its_checkpoint(make_project, tmp_path):
    root = make_project(LONGER_EPOCHS).root
    env = project_env(YOLOOP_STATE_DIR=str(tmp_path / "state"))
    subprocess.run([sys.executable, "-m", "flows.prepare"], cwd=root, env=env, check=True, capture_output=True)
    stage = subprocess.Popen(
        [sys.executable, "-m", "flows.train"],
        cwd=root,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = Layout(root).runs / "train"
    killed_at = _kill_when_checkpointed(stage, runs)
    (run_dir,) = runs.iterdir()
    assert resumable_checkpoint(run_dir) is not None
    assert not (root / "metrics/train.json").exists() and not (root / "metrics/train_details.json").exists()

    rerun = subprocess.run([sys.executable, "-m", "flows.train"], cwd=root, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    metrics = json.loads((root / "metrics/train_details.json").read_text())
    assert metrics["resumed_from_epoch"] >= killed_at + 1 >= 2
    assert metrics["epochs"] == EPOCHS
    rows = (root / "reports/train/results.csv").read_text().strip().splitlines()[1:]
    assert [int(float(row.split(",")[0])) for row in rows] == list(range(1, EPOCHS + 1)), "one row per epoch"
    assert resumable_checkpoint(run_dir) is None, "a finished run is not resumed again"
