"""One Prefect server for a whole run, and a server that dies with the process that started it.

Without PREFECT_API_URL, Prefect 3.8's client starts a temporary server itself
(`SubprocessASGIServer`: uvicorn on a random port of 8000-8999) the first time a flow needs an
API, and stops it only at exit (an atexit hook). Per stage that was 4-12 s before the flow began,
paid by each of the five stages of a `dvc repro`; and a stage killed with SIGKILL never runs
atexit, so its uvicorn was orphaned and kept serving.

`serving()` instead reuses the server of PREFECT_API_URL when one is set, or starts one and
exports its URL to `os.environ`, so every child (`dvc repro` -> `python -m flows.<stage>`) talks to
it; `yoloop repro`, the tests and a stage run alone all go through it. The server is a single
uvicorn process running the same app, in the same mode, as Prefect's temporary server (not
`prefect server start`, which would put a second process in between), started with a
parent-death signal: the kernel kills it when the process that started it dies, however it dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tasks.core.runtime import state_dir

HOST = "127.0.0.1"
API_URL_ENV = "PREFECT_API_URL"
HEARTBEAT_ENV = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"
# Every flow run of ours sends a heartbeat this often (Prefect's default is 180 s): the zombie automation
# (tasks/ops/zombies.py) crashes a run whose heartbeats stop, so a slower one would be crashed while alive.
HEARTBEAT_S = 30
STARTUP_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"  # Prefect's own, honoured here too
DEFAULT_STARTUP_TIMEOUT_S = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# What SubprocessASGIServer sets: no UI, and only the services an ephemeral server needs.
EPHEMERAL_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


@dataclass
class PrefectServer:
    api_url: str
    process: subprocess.Popen

    def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM (uvicorn shuts down cleanly), SIGKILL after `grace_s`."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()


def parent_death_signal() -> Callable[[], None]:
    """What the child runs before exec: SIGKILL when its parent dies (Linux), or exit at once if it already has.

    libc is loaded here, in the parent: a forked child of a threaded process must not dlopen. The
    signal follows the parent *thread*, so start servers from a thread that lives as long as they do.
    """
    libc, parent_pid = ctypes.CDLL(None, use_errno=True), os.getpid()
    return lambda: die_with(libc, parent_pid)


def die_with(libc: ctypes.CDLL, parent_pid: int) -> None:
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        os._exit(1)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def uvicorn_command(port: int) -> list[str]:
    import prefect  # only to find its app; cheap next to the server's own start-up

    app_dir = str(Path(prefect.__file__).resolve().parent.parent)
    factory = "prefect.server.api.server:create_app"
    server = ["--factory", factory, "--host", HOST, "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    return [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, *server]


def startup_timeout_s() -> float:
    return float(os.environ.get(STARTUP_TIMEOUT_ENV) or DEFAULT_STARTUP_TIMEOUT_S)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(log: Path | None = None, attempts: int = 3) -> PrefectServer:
    """A server on a free port that dies with this process; retried on another port if the port was taken."""
    log = log or state_dir() / "logs" / "prefect-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **EPHEMERAL_ENV}
    env.pop(API_URL_ENV, None)
    for _ in range(attempts):
        port = free_port()
        with log.open("ab") as output:
            process = subprocess.Popen(
                uvicorn_command(port),
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=parent_death_signal(),
            )
        server = PrefectServer(f"http://{HOST}:{port}/api", process)
        if wait_until_answering(server, startup_timeout_s()):
            return server
    raise RuntimeError(f"the Prefect server did not start ({attempts} tries); see {log}")


def wait_until_answering(server: PrefectServer, timeout_s: float) -> bool:
    """True once /health answers; False if the process exited first (a taken port); TimeoutError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if answers(f"{server.api_url}/health"):
            return True
        time.sleep(0.2)
    server.stop()
    raise TimeoutError(f"the Prefect server at {server.api_url} did not answer within {timeout_s:.0f} s")


@contextmanager
def talking_to(api_url: str, process_wide: bool = False) -> Iterator[None]:
    """Point this process's Prefect client at `api_url`.

    Prefect reads its settings once, at import: changing $PREFECT_API_URL afterwards is
    silently ignored (the client then starts a temporary server of its own). `process_wide` also
    covers threads started with a fresh context, which read Prefect's global settings context
    (replaced through the private helper Prefect's own test harness uses, when it exists).
    """
    import prefect.context
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    updates = {PREFECT_API_URL: api_url, PREFECT_FLOWS_HEARTBEAT_FREQUENCY: heartbeat_s()}
    with temporary_settings(updates=updates):
        replace_global = getattr(prefect.context, "_temporary_global_settings_context", None)
        if not (process_wide and replace_global):
            yield
            return
        with replace_global(prefect.context.get_settings_context()):
            yield


def heartbeat_s() -> int:
    """Seconds between a flow run's heartbeats: $PREFECT_FLOWS_HEARTBEAT_FREQUENCY if set, else HEARTBEAT_S."""
    return int(os.environ.get(HEARTBEAT_ENV) or HEARTBEAT_S)


@contextmanager
def serving(in_process: bool = False) -> Iterator[str]:
    """The API URL of a running server: PREFECT_API_URL's, or one started for this block and stopped after.

    The URL is in `os.environ` for the children; `in_process` points this process's Prefect client at it too.
    """
    running = os.environ.get(API_URL_ENV)
    server = None if running else start_server()
    api_url = running or server.api_url
    os.environ[API_URL_ENV] = api_url
    os.environ[HEARTBEAT_ENV] = str(heartbeat_s())
    try:
        with talking_to(api_url, process_wide=True) if in_process else contextlib.nullcontext():
            yield api_url
            if in_process and server is not None:
                drain_prefect_workers()
    finally:
        if server is not None:
            os.environ.pop(API_URL_ENV, None)
            server.stop()


def drain_prefect_workers() -> None:
    """Send the logs and events still queued in this process before their server stops (as Prefect's test harness)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(RuntimeError):  # a worker that never started
            worker.drain_all(timeout=10)
