"""MLflow's servers: the shared tracking server (runs and the registry in a database, artifacts in the S3 store),
and the MLflow UI of the local stack.

`mlflow server` proxies artifacts (`--artifacts-destination s3://...`), so workers need only the
server's URL (MLFLOW_TRACKING_URI); the server alone holds the S3 credentials and endpoint
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, MLFLOW_S3_ENDPOINT_URL in its environment). A SQLite file
is a database on one machine; on several, point `backend_store_uri` at PostgreSQL or MySQL.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tasks.core import HOST, bin_path, start_service, stop_all
from tasks.tracking.store import tracking_uri


@dataclass
class TrackingServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        """SIGTERM to the server's process group (`mlflow server` runs uvicorn in a child process)."""
        stop_all([self.process])


def server_command(backend_store_uri: str, artifacts_destination: str, port: int, workers: int = 1) -> list[str]:
    """One uvicorn worker suits SQLite (one writer at a time); a server database can take more."""
    return [
        bin_path("mlflow"),
        "server",
        "--backend-store-uri",
        backend_store_uri,
        "--artifacts-destination",
        artifacts_destination,
        "--serve-artifacts",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def start_tracking_server(
    backend_store_uri: str, artifacts_destination: str, port: int, env: dict[str, str], log: Path
) -> TrackingServer:
    """Start `mlflow server` and wait until it answers its health check."""
    url = f"http://{HOST}:{port}"
    command = server_command(backend_store_uri, artifacts_destination, port)
    return TrackingServer(url, start_service(command, env, log, f"{url}/health", timeout_s=180))


def start_mlflow_ui(port: int, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    """`mlflow ui` over this project's store on HOST:`port`, answering; its process and URL."""
    url = f"http://{HOST}:{port}"
    command = [bin_path("mlflow"), "ui", "--backend-store-uri", tracking_uri(), "--host", HOST, "--port", str(port)]
    return start_service(command, env, log, url), url
