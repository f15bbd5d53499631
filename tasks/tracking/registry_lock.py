"""A lock in the MLflow registry itself, so that alias moves of one model happen one at a time.

MLflow has no compare-and-set on aliases: `set_registered_model_alias` overwrites. Re-reading the
champion just before the move narrows the race but leaves a window between the read and the write,
where two evaluations that finish together would both see the old champion and both move it (the
first promotion lost without the second ever comparing against it). Creating a registered model is
atomic in the tracking database (its name is unique), whatever the backend and however many
servers front it; so holding "<model>.promotion-lock" makes read-check-move one step.

A holder that died leaves its lock behind: a lock older than `STALE_AFTER_S` is broken.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tasks.core import WaitTimedOut, wait_for

STALE_AFTER_S = 300.0  # a promotion holds the lock only while it reads, checks and moves the aliases
WAIT_S = 120.0
POLL_S = 0.2


class RegistryLockTimeout(RuntimeError):
    """Another promotion of the same model held the lock for longer than we wait."""


LOCK_SUFFIX = ".promotion-lock"


def lock_name(model_name: str) -> str:
    return f"{model_name}{LOCK_SUFFIX}"


def _already_exists(exc: Exception) -> bool:
    return getattr(exc, "error_code", "") == "RESOURCE_ALREADY_EXISTS"


def _lock_age_s(client: Any, name: str) -> float | None:
    """Seconds since the lock was taken, or None when it is gone already."""
    from mlflow.exceptions import MlflowException

    try:
        created_ms = client.get_registered_model(name).creation_timestamp
    except MlflowException:
        return None
    return time.time() - created_ms / 1000


def _take(client: Any, name: str, holder: str, stale_after_s: float) -> bool:
    """One try: True when the lock model is created (ours); a lock older than `stale_after_s` is broken first."""
    from mlflow.exceptions import MlflowException

    try:
        client.create_registered_model(name, tags={"yoloop.lock_holder": holder}, description="promotion lock")
        return True
    except MlflowException as exc:
        if not _already_exists(exc):
            raise
    age = _lock_age_s(client, name)
    if age is not None and age > stale_after_s:
        release(client, name.removesuffix(LOCK_SUFFIX))  # its holder died mid-promotion
        return _take(client, name, holder, math.inf)
    return False


def acquire(client: Any, model_name: str, wait_s: float = WAIT_S, stale_after_s: float = STALE_AFTER_S) -> str:
    """Take the lock (create the lock model); wait while another holder has it; return our holder id."""
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    name = lock_name(model_name)
    try:
        wait_for(lambda: _take(client, name, holder, stale_after_s), wait_s, f"{name!r}", interval_s=POLL_S)
    except WaitTimedOut:
        age = _lock_age_s(client, name)
        raise RegistryLockTimeout(
            f"models:/{model_name}: another promotion has held {name!r} for {age or 0:.0f} s; "
            f"if no evaluation is running, delete that registered model"
        ) from None
    return holder


def release(client: Any, model_name: str) -> None:
    from mlflow.exceptions import MlflowException

    with contextlib.suppress(MlflowException):  # gone already: broken as stale by another process
        client.delete_registered_model(lock_name(model_name))


@contextmanager
def promotion_lock(client: Any, model_name: str, wait_s: float = WAIT_S) -> Iterator[str]:
    holder = acquire(client, model_name, wait_s)
    try:
        yield holder
    finally:
        release(client, model_name)
