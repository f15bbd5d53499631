"""Where MLflow runs are kept, and what a stage does when that store does not answer.

By default the store is a SQLite file in the project (`.yoloop/mlflow.db`); `MLFLOW_TRACKING_URI`
points at a server instead. A server that refuses connections when a stage starts stops the stage
before any work (MLflow itself would retry for minutes, then fail with a traceback).

A server that goes down while a stage runs: MLflow's client, by default, retries each call many
times with a growing backoff before it fails, and a training logs at every epoch, so a lost store
would stall a training, fail it with a traceback, and Prefect's retry of the training task would
stall it again. Here the retries are bounded (`BOUNDED_RETRIES`: a server restarted within them
survives; the environment's own values win), and a failed call while the server refuses connections
is a `StoreDown` (exit 2, the URI named, never retried): every output is written whole or not at
all, the training's checkpoints are kept, and the rerun resumes once the store is back.
"""

from __future__ import annotations

import functools
import os
import socket
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tasks.core import InputError, state_dir

BOUNDED_RETRIES = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "4",  # waits 1 + 2 + 4 + 8 s between the tries
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}


class StoreDown(InputError):
    """The tracking server stopped answering while a stage used it."""


def tracking_uri() -> str:
    """$MLFLOW_TRACKING_URI when set, else SQLite in the project's state folder."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{state_dir() / 'mlflow.db'}"


def connection_error(uri: str) -> OSError | None:
    """Why an http(s) `uri` refuses or does not answer a connection now; None when it answers (or is no server)."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=10).close()
    except OSError as exc:
        return exc
    return None


@functools.cache
def _require_reachable(uri: str) -> None:
    refused = connection_error(uri)
    if refused is not None:
        raise InputError(
            f"MLFLOW_TRACKING_URI={uri}: the tracking store cannot be reached ({refused}); start it (yoloop stack) "
            "or unset MLFLOW_TRACKING_URI to use the project's own SQLite store"
        ) from refused


def reachable_tracking_uri() -> str:
    """`tracking_uri()`, once a server there is known to accept connections (checked once per process); MLflow's
    retries bounded from then on."""
    uri = tracking_uri()
    _require_reachable(uri)
    for name, value in BOUNDED_RETRIES.items():
        os.environ.setdefault(name, value)
    return uri


@contextmanager
def store_answers() -> Iterator[None]:
    """MLflow calls inside: an error raised while the tracking server refuses connections is a `StoreDown`."""
    try:
        yield
    except InputError:
        raise
    except Exception as exc:
        uri = tracking_uri()
        refused = connection_error(uri)
        if refused is None:
            raise
        raise StoreDown(
            f"MLFLOW_TRACKING_URI={uri}: the tracking store stopped answering during the stage ({refused}); "
            "what the stage wrote so far is whole and a training's checkpoints are kept: start the store again "
            "and rerun the stage (a training resumes from its last checkpoint)"
        ) from exc


def store_is_empty() -> bool:
    """True when the store is a local SQLite file that does not exist yet (so nothing is registered)."""
    uri = tracking_uri()
    return uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists()
