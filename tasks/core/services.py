"""Processes on this machine: services on 127.0.0.1, the one polling helper, and questions about a pid.

Every service (Prefect server and workers, MLflow, Label Studio) is a child process that leads its
own process group, so stopping it reaches what it started (uvicorn workers, flow runs). A Prefect
worker turns its first SIGTERM into a SIGINT to itself; a child inherits an ignored SIGINT from a
parent started in the background (`cmd &`, nohup, some CI runners), and Python then leaves it
ignored, so such a worker would never stop by itself. `spawn` therefore starts each service with
SIGINT at its default.

Waiting is for a state, never for a time: `wait_for` polls with a deadline and fails naming what did
not happen. Questions about a pid (alive, its command line, when it started) go through psutil.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

HOST = "127.0.0.1"  # every service binds here unless the user says otherwise
STOP_GRACE_S = 20.0  # for all the processes stopped together, not each
# Reset SIGINT to its default in the child, then exec the service (exec keeps a default disposition).
DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)
T = TypeVar("T")


class WaitTimedOut(TimeoutError):
    """The state waited for did not come within the deadline; the message names it."""


def wait_for(
    predicate: Callable[[], T],
    timeout_s: float,
    what: str,
    interval_s: float = 0.5,
    detail: Callable[[], str] | None = None,
) -> T:
    """Call `predicate` until it returns something truthy, and return that.

    After `timeout_s` it raises WaitTimedOut naming `what` (and `detail()`, e.g. the last state or a
    log tail). An exception inside `predicate` propagates at once: a process that died is no reason to wait.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            suffix = f": {detail()}" if detail else ""
            raise WaitTimedOut(f"timed out after {timeout_s:g} s waiting for {what}{suffix}")
        time.sleep(interval_s)


def free_port() -> int:
    """A port on HOST that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def answers(url: str) -> bool:
    """`url` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def bin_path(name: str) -> str:
    """An executable of this interpreter's environment (prefect, mlflow, dvc)."""
    return str(Path(sys.executable).parent / name)


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start `args` (an absolute executable first) in a new session, output appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", DEFAULT_SIGINT, *args]
    return subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(url: str, timeout_s: float = 120, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 200; fail at once if the process behind it died."""

    def up() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"service for {url} exited with code {process.returncode}")
        return answers(url)

    wait_for(up, timeout_s, f"{url} to answer")


def start_service(
    args: list[str], env: dict[str, str], log: Path, health_url: str, timeout_s: float = 120
) -> subprocess.Popen:
    """`spawn` a service and wait until `health_url` answers; a service that does not come up is stopped."""
    process = spawn(args, env, log)
    try:
        wait_until_up(health_url, timeout_s, process)
    except BaseException:
        stop_all([process])
        raise
    return process


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


def wait_while_running(processes: list[subprocess.Popen], stopped: str) -> int:
    """Block until Ctrl-C (0), or until one of `processes` exits by itself (1, after saying `stopped`)."""
    try:
        wait_for(lambda: any(p.poll() is not None for p in processes), math.inf, stopped, interval_s=1)
    except KeyboardInterrupt:
        return 0
    print(stopped, file=sys.stderr)
    return 1


def running(pid: int) -> bool:
    """The pid is a live process (another user's counts); a zombie has exited and does not."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def command_line(pid: int) -> str:
    """The pid's command line, words joined by spaces; `?` when it cannot be read."""
    try:
        return " ".join(psutil.Process(pid).cmdline()) or "?"
    except psutil.Error:
        return "?"


def started_at(pid: int) -> str:
    """When the pid's process started (seconds since the epoch, to 1/100 s), so a reused pid is told apart;
    empty when there is no such process."""
    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except psutil.Error:
        return ""
