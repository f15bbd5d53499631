"""Waiting for a state, never for a time: poll with a deadline, fail saying what did not happen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimedOut(AssertionError):
    """The state waited for did not come; an AssertionError, so a test fails (not errors) with the message."""


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
