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
