"""A process on this machine, by pid: is it still running, what it runs, its /proc/<pid>/stat fields.

One place for what the MLflow clean-up (tracking.py: is a run's owner gone?) and the repro lock
(repro_lock.py: who holds DVC's locks?) both ask of a pid.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: [state, ppid, ...]; [] when there is no such process (or no /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def running(pid: int) -> bool:
    """The pid is a live process (another user's counts); a zombie has exited and does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = process_stat(pid)
    return not (stat and stat[0] == "Z")


def command_line(pid: int) -> str:
    """The pid's command line, words joined by spaces; `?` when it cannot be read."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip() or "?"
    except OSError:
        return "?"
