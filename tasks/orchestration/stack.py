"""The local stack on 127.0.0.1: a Prefect server, process workers on the `gpu` pool, the MLflow UI.

The same functions start it for a user (`yoloop stack`) and for the tests, so the tests
exercise the real thing. Each service is a child process (tasks/core/services.py); stopping the
stack stops them all within one grace period. The workers are tasks/orchestration/workers.py's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core import HOST, bin_path, state_dir, stop_all, wait_while_running
from tasks.orchestration.server import HEARTBEAT_ENV, heartbeat_s, start_server, talking_to
from tasks.orchestration.workers import WORK_POOL, start_gpu_workers
from tasks.tracking import start_mlflow_ui, tracking_uri
from tasks.versioning import clone_variables


@dataclass
class Stack:
    """Running services and the environment that talks to them."""

    api_url: str
    env: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    @classmethod
    def start(cls, port: int, prefect_home: Path, logs: Path) -> Stack:
        """The stack's Prefect server on `port` (UI and every service), with the environment that talks to it."""
        env = stack_env(f"http://{HOST}:{port}/api", prefect_home)
        server = start_server(port, logs / "prefect-server.log", env, ephemeral=False)
        return cls(server.api_url, env, [server.process])

    def stop(self) -> None:
        """SIGTERM to every service's process group, one grace period for all, then SIGKILL."""
        stop_all(self.processes)


def stack_env(api_url: str, prefect_home: Path) -> dict[str, str]:
    """What a worker and the flows it runs need: the API, heartbeats, the MLflow store."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        HEARTBEAT_ENV: str(heartbeat_s()),
        "MLFLOW_TRACKING_URI": tracking_uri(),
    }


def start_worker(stack: Stack, logs: Path, pool: str = WORK_POOL) -> None:
    """The process work pool `pool` with one worker polling it (one run at a time, on GPU 0)."""
    start_gpu_workers(stack, logs, 1, pool)


def start_mlflow_ui_for(stack: Stack, port: int, logs: Path) -> str:
    """The MLflow UI beside the other services; the stack stops it with them."""
    process, url = start_mlflow_ui(port, stack.env, logs / "mlflow-ui.log")
    stack.processes.append(process)
    return url


def default_logs() -> Path:
    return state_dir() / "logs"


def deploy(repo: Path, env: dict[str, str], origin: str | None = None, branch: str | None = None) -> str:
    """Register every deployment of `repo/prefect.yaml` with the server in `env`.

    `origin` and `branch` are what the clone-pipeline deployments clone (default: the repository's
    `origin` remote, or the repository itself, at its current branch).
    """
    variables = {
        "YOLOOP_REPO": str(repo.resolve()),
        "YOLOOP_STATE_DIR": str(state_dir()),
        "MLFLOW_TRACKING_URI": env.get("MLFLOW_TRACKING_URI") or tracking_uri(),
        **clone_variables(repo, origin, branch),
    }
    result = subprocess.run(
        [bin_path("prefect"), "--no-prompt", "deploy", "--all"],
        cwd=repo,
        env={**env, **variables},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"prefect deploy failed:\n{(result.stdout + result.stderr)[-4000:]}")
    return result.stdout


def start_label_studio_for(stack: Stack, repo: Path, port: int, logs: Path) -> str:
    """Label Studio beside the other services, serving `repo`'s data/relabel; the stack stops it with them."""
    from tasks.core import Layout
    from tasks.labelling import start_label_studio

    running = start_label_studio(port, Layout(repo).relabel, logs)
    stack.processes.append(running.process)
    return running.url


def stop_on_signals() -> None:
    """A plain `kill` (SIGTERM) or a closed terminal (SIGHUP) stops the services too, through `finally`."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)


def run_stack(
    repo: Path, prefect_port: int, mlflow_port: int, labelstudio_port: int | None = None, workers: int = 1
) -> int:
    """Start the local stack, register `repo`'s deployments, and keep it up until Ctrl-C; 1 if a service stops.

    `workers` process workers poll the pool `gpu`, worker i on GPU i (tasks/orchestration/workers.py). With
    `labelstudio_port`, Label Studio (serving `repo`'s relabel batches) starts and stops with it.
    """
    from tasks.orchestration.zombies import ensure_zombie_automation

    stop_on_signals()
    logs = default_logs()
    running = Stack.start(prefect_port, state_dir() / "prefect", logs)
    try:
        with talking_to(running.api_url):
            ensure_zombie_automation()
        start_gpu_workers(running, logs, workers)
        mlflow_url = start_mlflow_ui_for(running, mlflow_port, logs)
        if labelstudio_port is not None:
            print(f"Label Studio: {start_label_studio_for(running, repo, labelstudio_port, logs)}")
        deploy(repo, running.env)
        print(f"Prefect UI: {running.api_url.removesuffix('/api')}   MLflow UI: {mlflow_url}   logs: {logs}")
        print(f"export PREFECT_API_URL={running.api_url}   # then: prefect deployment run 'pipeline/all'")
        return wait_while_running(running.processes, "a service stopped; see the logs")
    except KeyboardInterrupt:  # during the start
        return 0
    finally:
        running.stop()
