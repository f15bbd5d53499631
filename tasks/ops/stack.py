"""The local stack on 127.0.0.1: a Prefect server, a process worker on the `gpu` pool, the MLflow UI.

The same functions start it for a user (`yoloop stack`) and for the tests, so the tests
exercise the real thing. Each service is a child process; stopping the stack stops them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core.runtime import state_dir
from tasks.ops.tracking import tracking_uri

HOST = "127.0.0.1"
WORK_POOL = "gpu"
HEARTBEAT_S = 30  # flow-run heartbeats drive the zombie automation (see tasks/ops/zombies.py)


@contextmanager
def talking_to(api_url: str) -> Iterator[None]:
    """Point this process's Prefect client at `api_url`.

    Prefect reads its settings once, at import: changing $PREFECT_API_URL afterwards is
    silently ignored (the client then starts a temporary server of its own).
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


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


@dataclass
class Stack:
    """Running services and the environment that talks to them."""

    api_url: str
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def stack_env(api_url: str, prefect_home: Path) -> dict[str, str]:
    """What a worker and the flows it runs need: the API, heartbeats, the MLflow store."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_S),
        "MLFLOW_TRACKING_URI": tracking_uri(),
    }


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(args, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def start_server(port: int, prefect_home: Path, logs: Path) -> Stack:
    api_url = f"http://{HOST}:{port}/api"
    env = stack_env(api_url, prefect_home)
    server = _spawn(
        [_bin("prefect"), "server", "start", "--host", HOST, "--port", str(port)], env, logs / "prefect-server.log"
    )
    stack = Stack(api_url, env, [server])
    try:
        wait_until_up(f"{api_url}/health", process=server)
    except BaseException:
        stack.stop()
        raise
    return stack


def start_worker(stack: Stack, logs: Path, pool: str = WORK_POOL, concurrency: int = 1) -> None:
    """Create the process work pool (one run at a time per GPU) and start a worker polling it."""
    subprocess.run(
        [_bin("prefect"), "work-pool", "create", pool, "--type", "process", "--overwrite"],
        env=stack.env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [_bin("prefect"), "work-pool", "set-concurrency-limit", pool, str(concurrency)],
        env=stack.env,
        check=True,
        capture_output=True,
    )
    worker = _spawn(
        [_bin("prefect"), "worker", "start", "--pool", pool, "--type", "process"],
        stack.env,
        logs / "prefect-worker.log",
    )
    stack.processes.append(worker)


def start_mlflow_ui(stack: Stack, port: int, logs: Path) -> str:
    uri = tracking_uri()
    ui = _spawn(
        [_bin("mlflow"), "ui", "--backend-store-uri", uri, "--host", HOST, "--port", str(port)],
        stack.env,
        logs / "mlflow-ui.log",
    )
    stack.processes.append(ui)
    url = f"http://{HOST}:{port}"
    wait_until_up(url, process=ui)
    return url


def default_logs() -> Path:
    return state_dir() / "logs"


def deploy(repo: Path, env: dict[str, str], origin: str | None = None, branch: str | None = None) -> str:
    """Register every deployment of `repo/prefect.yaml` with the server in `env`.

    `origin` and `branch` are what the clone-pipeline deployments clone (default: the repository's
    `origin` remote, or the repository itself, at its current branch).
    """
    from tasks.ops.workspace_clone import clone_variables

    variables = {
        "YOLOOP_REPO": str(repo.resolve()),
        "YOLOOP_STATE_DIR": str(state_dir()),
        "MLFLOW_TRACKING_URI": env.get("MLFLOW_TRACKING_URI") or tracking_uri(),
        **clone_variables(repo, origin, branch),
    }
    result = subprocess.run(
        [_bin("prefect"), "--no-prompt", "deploy", "--all"],
        cwd=repo,
        env={**env, **variables},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"prefect deploy failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return result.stdout
