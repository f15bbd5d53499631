"""One `dvc repro` at a time in a workspace, and a second one told at once who is running.

DVC holds its repository lock (.dvc/tmp/lock, the holder's pid inside) only while it reads and
commits; while a stage's command runs it holds per-output locks instead (.dvc/tmp/rwlock), so a
second `dvc repro` fails with "Unable to acquire lock" (no process named) or "'<out>' is busy"
depending on the moment. `yoloop repro` holds a lock of its own for the whole run
(.dvc/tmp/yoloop-repro.lock, naming its pid and command): a second `yoloop repro` stops before
DVC starts, naming that lock and process, and any process holding DVC's own locks.
A lock held with flock dies with its process, even under SIGKILL: no stale lock is left behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tasks.core import InputError, command_line, running

LOCK_FILE = ".dvc/tmp/yoloop-repro.lock"


def _dvc_repo_lock_holder(lock: Path) -> str | None:
    """`.dvc/tmp/lock: held by pid N (command)` while a DVC process holds it, else None."""
    if not lock.exists():
        return None
    with lock.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = handle.read().strip()
            command = command_line(int(pid)) if pid.isdigit() else "?"
            return f"{lock}: DVC's repository lock, held by pid {pid or '?'} ({command})"
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _dvc_output_lock_holders(rwlock: Path) -> list[str]:
    """`.dvc/tmp/rwlock: <output> written by pid N (command)` for each live writer or reader DVC recorded."""
    try:
        table = json.loads(rwlock.read_text())
    except (OSError, ValueError):
        return []
    entries = [(path, info, "written") for path, info in table.get("write", {}).items()]
    entries += [(path, info, "read") for path, infos in table.get("read", {}).items() for info in infos]
    return [
        f"{rwlock}: {path} {how} by pid {info['pid']} ({info.get('cmd', '?')})"
        for path, info, how in entries
        if isinstance(info, dict) and str(info.get("pid", "")).isdigit() and running(int(info["pid"]))
    ]


def dvc_lock_holders(root: Path) -> list[str]:
    """The processes holding DVC's locks in the workspace `root`, one line each (empty when none)."""
    tmp = root / ".dvc" / "tmp"
    repo_lock = _dvc_repo_lock_holder(tmp / "lock")
    return [*([repo_lock] if repo_lock else []), *_dvc_output_lock_holders(tmp / "rwlock")]


@contextmanager
def repro_lock(root: Path) -> Iterator[None]:
    """Hold the workspace's repro lock for the block; an InputError naming who runs when it is taken."""
    if not (root / ".dvc").is_dir():
        yield  # not a DVC repository: `dvc repro` says so itself
        return
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "a process that has not written its name yet"
            raise InputError(
                [
                    f"{path}: a `yoloop repro` is already running in this workspace: {holder}; wait for it to "
                    "finish (or stop it), then run again",
                    *dvc_lock_holders(root),
                ]
            ) from None
        others = dvc_lock_holders(root)
        if others:
            raise InputError(
                ["a `dvc repro` is already running in this workspace; wait for it, then run again", *others]
            )
        handle.seek(0)
        handle.truncate()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        handle.write(f"pid {os.getpid()} ({' '.join(['yoloop', *sys.argv[1:]])}), started {started}\n")
        handle.flush()
        yield
