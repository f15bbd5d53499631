"""Test-wide set-up: every service's state goes to a temporary folder, never the project's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_STATE = Path(tempfile.mkdtemp(prefix="yoloop-test-state-"))
os.environ["YOLOOP_STATE_DIR"] = str(_STATE)
os.environ.pop("MLFLOW_TRACKING_URI", None)
os.environ.pop("PREFECT_API_URL", None)

from tasks.core.runtime import configure  # noqa: E402

configure()  # the environment, with the state folder above
from tests.profiles import TINY, write_params  # noqa: E402


@pytest.fixture(scope="session")
def state_dir() -> Path:
    return _STATE


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (flows report to it)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def tiny_params_file(tmp_path: Path) -> Path:
    return write_params(tmp_path / "params.yaml", TINY)
