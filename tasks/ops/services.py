"""Service processes on 127.0.0.1: start one in a process group of its own, wait until it answers, stop them.

Every service (Prefect server and workers, MLflow, Label Studio) is a child process that leads its
own process group, so stopping it reaches what it started (uvicorn workers, flow runs).

A Prefect worker turns its first SIGTERM into a SIGINT to itself. A child inherits an ignored
SIGINT from a parent started in the background (`cmd &`, nohup, some CI runners), and Python then
leaves it ignored, so such a worker never stopped and every teardown waited out its grace period
before killing it. `spawn` therefore starts each service with SIGINT at its default.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
STOP_GRACE_S = 20.0  # for all the processes stopped together, not each
# Reset SIGINT to its default in the child, then exec the service (exec keeps a default disposition).
DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


def bin_path(name: str) -> str:
    """An executable of this interpreter's environment (prefect, mlflow, dvc)."""
    return str(Path(sys.executable).parent / name)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `args` (an absolute executable first) in a new session, output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", DEFAULT_SIGINT, *args]
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(url: str, timeout_s: float = 120, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200; fail early if the process behind it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"service for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signum)


def stop_all(processes: list[subprocess.Popen], grace_s: float = STOP_GRACE_S) -> None:
    """SIGTERM every process group (last started first), wait once for all, then SIGKILL the groups left.

    A group is killed even when its leader exited, so nothing it started outlives the stop.
    """
    for process in reversed(processes):
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in processes:
        _signal_group(process, signal.SIGKILL)
        process.wait()
