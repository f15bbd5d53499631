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

from tasks.ops.stack import HOST, _bin, _spawn, wait_until_up


@dataclass
class TrackingServer:
    url: str
    process: subprocess.Popen


def server_command(backend_store_uri: str, artifacts_destination: str, port: int, workers: int = 2) -> list[str]:
    return [
        _bin("mlflow"),
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
    process = _spawn(server_command(backend_store_uri, artifacts_destination, port), env, log)
    url = f"http://{HOST}:{port}"
    try:
        wait_until_up(f"{url}/health", timeout_s=180, process=process)
    except BaseException:
        process.terminate()
        raise
    return TrackingServer(url, process)
