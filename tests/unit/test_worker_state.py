"""Each test process (each pytest-xdist worker) keeps its tools' state apart from the others'."""

from __future__ import annotations

import os
from pathlib import Path

from tasks.core import STATE_DERIVED_ENV, state_dir


def test_every_tool_keeps_its_state_under_this_processs_state_folder():
    # A worker inherits the controller's environment: were these inherited, two workers would share one
    # Prefect database (each seeing the other's flow runs) and one FiftyOne database folder.
    for key in STATE_DERIVED_ENV:
        assert Path(os.environ[key]).is_relative_to(state_dir()), f"{key}={os.environ[key]} outside {state_dir()}"


def test_a_test_may_point_mlflow_at_a_server_it_then_stops():
    import mlflow

    mlflow.set_tracking_uri("http://127.0.0.1:9")  # MLflow also writes it into os.environ, for subprocesses
    assert os.environ["MLFLOW_TRACKING_URI"] == "http://127.0.0.1:9"


def test_the_next_test_and_its_subprocesses_do_not_inherit_that_server():
    # Runs after the test above (tests run in file order); without the conftest's restore it would see its server.
    from mlflow.tracking._tracking_service import utils

    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert utils._tracking_uri is None
