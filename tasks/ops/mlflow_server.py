"""A shared MLflow tracking server: runs and the registry in a database, artifacts in the S3 store.

`mlflow server` proxies artifacts (`--artifacts-destination s3://...`), so workers need only the
server's URL (MLFLOW_TRACKING_URI); the server alone holds the S3 credentials and endpoint
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, MLFLOW_S3_ENDPOINT_URL in its environment). A SQLite file
is a database on one machine; on several, point `backend_store_uri` at PostgreSQL or MySQL.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tasks.ops.services import HOST, bin_path, spawn, stop_all, wait_until_up


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
    process = spawn(server_command(backend_store_uri, artifacts_destination, port), env, log)
    url = f"http://{HOST}:{port}"
    try:
        wait_until_up(f"{url}/health", timeout_s=180, process=process)
    except BaseException:
        TrackingServer(url, process).stop()
        raise
    return TrackingServer(url, process)
