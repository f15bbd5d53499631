"""Stopping services (tasks/core/services.py): a Prefect-style worker stops by itself even when this process
ignores SIGINT, and nothing a service started outlives the stop."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from tasks.core import running, spawn, stop_all, wait_for

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
    def words() -> list[str]:
        found = log.read_text().split() if log.exists() else []
        return found if "ready" in found else []

    detail = lambda: log.read_text() if log.exists() else "no log"  # noqa: E731
    return wait_for(words, 60, "the service to get ready", interval_s=0.05, detail=detail)


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
    # a zombie has exited (only its parent's reaping is left): `running` counts it as gone
    wait_for(lambda: not running(child), 10, "the service's child to end with the stop", interval_s=0.05)
