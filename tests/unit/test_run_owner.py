"""Which RUNNING MLflow runs may be ended: only those whose process is known to be gone (tasks/tracking/runs.py)."""

from __future__ import annotations

import socket
import subprocess
import sys

from tasks.tracking import owner_is_gone, owner_tags


def test_this_process_owns_a_live_run():
    assert not owner_is_gone(owner_tags())


def test_a_run_whose_process_exited_is_gone():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert owner_is_gone({"yoloop.host": socket.gethostname(), "yoloop.pid": child.stdout.strip()})


def test_a_reused_pid_is_not_the_run_s_process():
    assert owner_is_gone({**owner_tags(), "yoloop.pid_started": "1"})


def test_another_machine_s_run_or_one_without_an_owner_is_left_alone():
    assert not owner_is_gone({**owner_tags(), "yoloop.host": "elsewhere"})
    assert not owner_is_gone({})
