"""N process workers on the `gpu` pool, one per GPU: `yoloop stack --workers N`.

Each worker runs one flow run at a time (`--limit 1`) and hands it its own CUDA_VISIBLE_DEVICES,
so N runs at once train on N GPUs; the pool's concurrency limit is N. A worker's flow runs work
in temporary folders under its own scratch folder (TMPDIR), where the clone-pipeline runs clone the
repository; a worker that is killed leaves its run's clone there, and the folder is emptied when
the worker starts again, so a dead run's half-done clone never survives.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.core import InputError, bin_path, spawn, state_dir

if TYPE_CHECKING:  # tasks/orchestration/stack.py starts the workers, so it is not imported here
    from tasks.orchestration.stack import Stack

WORK_POOL = "gpu"


def gpu_devices(count: int, visible: str | None) -> list[str]:
    """The device of each worker: the i-th of $CUDA_VISIBLE_DEVICES when set, else GPU i."""
    listed = [device.strip() for device in (visible or "").split(",") if device.strip()]
    if listed and len(listed) < count:
        raise InputError(f"--workers {count}: CUDA_VISIBLE_DEVICES={visible!r} lists only {len(listed)} devices")
    return listed[:count] if listed else [str(i) for i in range(count)]


def scratch_folder(name: str) -> Path:
    """A worker's TMPDIR, emptied at start: whatever is there belongs to a run that died with it."""
    folder = state_dir() / "workers" / name / "tmp"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def create_pool(stack: Stack, pool: str, concurrency: int) -> None:
    """A process work pool that runs at most `concurrency` flow runs at once."""
    for args in (
        ["work-pool", "create", pool, "--type", "process", "--overwrite"],
        ["work-pool", "set-concurrency-limit", pool, str(concurrency)],
    ):
        subprocess.run([bin_path("prefect"), *args], env=stack.env, check=True, capture_output=True)


def start_worker_process(stack: Stack, logs: Path, name: str, device: str, pool: str = WORK_POOL) -> None:
    """One worker on `pool` that runs one flow run at a time on GPU `device`, with an emptied scratch folder."""
    env = {**stack.env, "CUDA_VISIBLE_DEVICES": device, "TMPDIR": str(scratch_folder(name))}
    command = [bin_path("prefect"), "worker", "start", "--pool", pool, "--type", "process", "--name", name]
    stack.processes.append(spawn([*command, "--limit", "1"], env, logs / f"worker-{name}.log"))


def start_gpu_workers(stack: Stack, logs: Path, count: int, pool: str = WORK_POOL) -> list[str]:
    """Start `count` workers on `pool`, worker i on GPU i; return the worker names."""
    if count < 1:
        raise InputError(f"--workers {count}: must be at least 1")
    create_pool(stack, pool, count)
    names = [f"{pool}-{index}" for index in range(count)]
    for name, device in zip(names, gpu_devices(count, stack.env.get("CUDA_VISIBLE_DEVICES")), strict=True):
        start_worker_process(stack, logs, name, device, pool)
    return names
