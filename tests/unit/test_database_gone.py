"""`needs_database`: FiftyOne's lost mongod as one clear error, and a safe first import of FiftyOne."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tasks.core import DatabaseGone, needs_database
from testkit.processes import PROJECT


def test_a_lost_database_becomes_one_line_naming_its_folder():
    from pymongo.errors import ServerSelectionTimeoutError

    @needs_database
    def query() -> None:
        raise ServerSelectionTimeoutError("localhost:27017: [Errno 111] Connection refused\nTopology: ...")

    with pytest.raises(DatabaseGone) as raised:
        query()
    (line,) = raised.value.lines
    assert line.startswith("FiftyOne's database (mongod of ") and "stopped or did not start" in line
    assert "ServerSelectionTimeoutError: localhost:27017: [Errno 111] Connection refused;" in line


def test_other_errors_pass_through():
    @needs_database
    def broken() -> None:
        raise ValueError("a defect")

    with pytest.raises(ValueError, match="a defect"):
        broken()


def test_a_guarded_call_works_in_a_process_that_imported_mlflow_first():
    """A bare `import fiftyone...` after MLflow's imports raises KeyError('author'); the guard must not do one."""
    code = (
        "import mlflow; from mlflow import MlflowClient\n"
        "from tasks.core import needs_database\n"
        "assert needs_database(lambda: 7)() == 7\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
