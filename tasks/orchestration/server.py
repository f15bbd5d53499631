"""The Prefect server: one for a whole run, the stack's for a user, and one that dies with the process that started it.

Without PREFECT_API_URL, Prefect's client starts a temporary server itself (`SubprocessASGIServer`:
uvicorn on a random port of 8000-8999) the first time a flow needs an API, and stops it only at exit
(an atexit hook): each stage of a `dvc repro` would pay for its start, and a stage killed with
SIGKILL never runs atexit, so its uvicorn would be orphaned and keep serving.

`serving()` instead reuses the server of PREFECT_API_URL when one is set, or starts one and exports
its URL to `os.environ`, so every child (`dvc repro` -> `python -m flows.<stage>`) talks to it;
`yoloop repro`, the tests and a stage run alone all go through it. `start_server` starts every
Prefect server of ours: a single uvicorn process running Prefect's app (what `prefect server start`
runs too, without a process in between). The per-run server runs it in the same mode as Prefect's
temporary one, started with a parent-death signal: the kernel kills it when the process that started
it dies, however it dies. The stack's (`Stack.start`, tasks/orchestration/stack.py) runs the UI and
every service, in a process group of its own that the stack stops.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tasks.core import HOST, WaitTimedOut, answers, free_port, spawn, state_dir, wait_for

API_URL_ENV = "PREFECT_API_URL"
HEARTBEAT_ENV = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"
# Every flow run of ours sends a heartbeat this often (Prefect's default is 180 s): the zombie automation
# (tasks/orchestration/zombies.py) crashes a run whose heartbeats stop, so a slower one would be crashed while alive.
HEARTBEAT_S = 30
STARTUP_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"  # Prefect's own, honoured here too
DEFAULT_STARTUP_TIMEOUT_S = 60.0
STACK_STARTUP_TIMEOUT_S = 120.0  # the stack's server starts every service and the UI
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# What SubprocessASGIServer sets: no UI, and only the services an ephemeral server needs.
EPHEMERAL_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
# What `prefect server start` sets: the last server of this database, with the UI and every service.
STACK_ENV = {"PREFECT__SERVER_FINAL": "1"}


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


def uvicorn_command(port: int) -> list[str]:
    import prefect  # only to find its app; cheap next to the server's own start-up

    app_dir = str(Path(prefect.__file__).resolve().parent.parent)
    factory = "prefect.server.api.server:create_app"
    server = ["--factory", factory, "--host", HOST, "--port", str(port), "--log-level", "error", "--lifespan", "on"]
    return [sys.executable, "-m", "uvicorn", "--app-dir", app_dir, *server]


def startup_timeout_s() -> float:
    return float(os.environ.get(STARTUP_TIMEOUT_ENV) or DEFAULT_STARTUP_TIMEOUT_S)


def _launch(port: int, log: Path, env: dict[str, str], ephemeral: bool) -> PrefectServer:
    """The server process: ephemeral, dying with this process; else in a process group of its own."""
    if not ephemeral:
        return PrefectServer(f"http://{HOST}:{port}/api", spawn(uvicorn_command(port), {**env, **STACK_ENV}, log))
    with log.open("ab") as output:
        process = subprocess.Popen(
            uvicorn_command(port),
            env={**env, **EPHEMERAL_ENV},
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=parent_death_signal(),
        )
    return PrefectServer(f"http://{HOST}:{port}/api", process)


def start_server(
    port: int | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    ephemeral: bool = True,
    attempts: int = 3,
) -> PrefectServer:
    """A Prefect server on HOST:`port`, answering. Ephemeral (the per-run server): no UI, dies with this process,
    and without a `port` on a free one, retried on another when that was taken. Otherwise the stack's: the UI and
    every service, on `port`, until it is stopped."""
    log = log or state_dir() / "logs" / "prefect-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ if env is None else env)
    env.pop(API_URL_ENV, None)
    tries = attempts if port is None else 1
    for _ in range(tries):
        server = _launch(port or free_port(), log, env, ephemeral)
        if wait_until_answering(server, startup_timeout_s() if ephemeral else STACK_STARTUP_TIMEOUT_S):
            return server
    raise RuntimeError(f"the Prefect server did not start ({tries} tries); see {log}")


def wait_until_answering(server: PrefectServer, timeout_s: float) -> bool:
    """True once /health answers; False if the process exited first (a taken port); TimeoutError after `timeout_s`."""

    def settled() -> str | None:
        if server.process.poll() is not None:
            return "exited"
        return "answering" if answers(f"{server.api_url}/health") else None

    try:
        return wait_for(settled, timeout_s, f"the Prefect server at {server.api_url} to answer", 0.2) == "answering"
    except WaitTimedOut:
        server.stop()
        raise


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
