"""A training run killed mid-way, then run again, resumes from its last checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.train.checkpoints import resumable_checkpoint
from tests.processes import project_env
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow
EPOCHS = 6


def _kill_when_checkpointed(process: subprocess.Popen, runs: Path, timeout_s: float = 600) -> int:
    """SIGKILL the stage (and its children) once a checkpoint past epoch 1 exists; return that epoch."""
    import torch

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        for last in runs.glob("*/weights/last.pt"):
            try:
                epoch = torch.load(last, map_location="cpu", weights_only=False)["epoch"]
            except Exception:  # being written right now
                continue
            if epoch >= 1:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return epoch
        time.sleep(0.5)
    raise AssertionError(f"no checkpoint past epoch 1 before the stage ended (rc={process.poll()})")


def test_killed_training_resumes_from_its_checkpoint(tmp_path):
    write_params(tmp_path / "params.yaml", TINY, {"train": {"epochs": EPOCHS, "patience": 100}})
    env = project_env(YOLOOP_STATE_DIR=str(tmp_path / "state"))
    subprocess.run([sys.executable, "-m", "flows.prepare"], cwd=tmp_path, env=env, check=True, capture_output=True)
    stage = subprocess.Popen(
        [sys.executable, "-m", "flows.train"],
        cwd=tmp_path,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    runs = tmp_path / "state" / "runs" / "train"
    killed_at = _kill_when_checkpointed(stage, runs)
    (run_dir,) = runs.iterdir()
    assert resumable_checkpoint(run_dir) is not None
    assert not (tmp_path / "metrics/train.json").exists()

    rerun = subprocess.run([sys.executable, "-m", "flows.train"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics/train.json").read_text())
    assert metrics["resumed_from_epoch"] >= killed_at + 1 >= 2
    assert metrics["epochs"] == EPOCHS
    rows = (tmp_path / "reports/train/results.csv").read_text().strip().splitlines()[1:]
    assert [int(float(row.split(",")[0])) for row in rows] == list(range(1, EPOCHS + 1)), "one row per epoch"
    assert resumable_checkpoint(run_dir) is None, "a finished run is not resumed again"
