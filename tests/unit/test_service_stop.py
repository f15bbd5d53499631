"""Stopping services (tasks/ops/services.py): a Prefect-style worker stops by itself even when this process
ignores SIGINT, and nothing a service started outlives the stop."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from tasks.core import spawn, stop_all

# What `prefect worker start` does with SIGTERM: send itself SIGINT and shut down on KeyboardInterrupt.
LIKE_A_PREFECT_WORKER = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
print("ready", flush=True)
try:
    while True:
        time.sleep(0.05)
except KeyboardInterrupt:
    sys.exit(0)
"""

# A service that exits on SIGTERM and leaves behind a child that ignores SIGTERM (as a busy flow run may).
LEAVES_A_CHILD = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(600)"
child = subprocess.Popen([sys.executable, "-c", stubborn], stdout=subprocess.PIPE, text=True)
child.stdout.readline()  # its SIGTERM is ignored from here on
print("ready", child.pid, flush=True)
while True:
    time.sleep(0.05)
"""


def _wait_ready(log: Path) -> list[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        words = log.read_text().split() if log.exists() else []
        if "ready" in words:
            return words
        time.sleep(0.05)
    pytest.fail(f"the service never got ready: {log.read_text() if log.exists() else 'no log'}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


def test_a_worker_started_while_sigint_is_ignored_still_stops_by_itself(tmp_path):
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a job started with `&`
    try:
        process = spawn([sys.executable, "-c", LIKE_A_PREFECT_WORKER], {}, tmp_path / "worker.log")
    finally:
        signal.signal(signal.SIGINT, before)
    _wait_ready(tmp_path / "worker.log")
    stop_all([process], grace_s=30)
    assert process.returncode == 0, "the worker ignored its own SIGINT and was killed"


def test_what_a_service_started_is_stopped_with_it(tmp_path):
    process = spawn([sys.executable, "-c", LEAVES_A_CHILD], {}, tmp_path / "service.log")
    child = int(_wait_ready(tmp_path / "service.log")[1])
    stop_all([process], grace_s=30)
    assert process.returncode == 0
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the service's child outlived the stop"
