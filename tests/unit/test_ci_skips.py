"""Under CI (`CI=true`) a skip is a failure: a missing dataset, tool or permission cannot hide a test.

Each case runs an inner pytest in a subprocess with this suite's conftest as a plugin, on a test
file of its own that needs the real datasets, pointed at a folder that does not exist.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from testkit.processes import PROJECT, project_env

NEEDS_DATASETS = """
from tests.real_data import real_datasets

def test_needs_the_real_datasets():
    real_datasets()
"""


def inner_pytest(tmp_path: Path, ci: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_probe.py").write_text(NEEDS_DATASETS)
    missing = tmp_path / "no-datasets-here"
    env = project_env(CI=ci, YOLOOP_REAL_DATASETS=str(missing))
    command = [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-q", "-rA", "--rootdir", str(tmp_path)]
    return subprocess.run(
        [*command, str(tmp_path / "test_probe.py")], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300
    )


def test_a_missing_dataset_folder_fails_under_ci_naming_the_folder(tmp_path):
    result = inner_pytest(tmp_path, ci="true")
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed" in result.stdout and "skipped under CI=true" in result.stdout
    assert str(tmp_path / "no-datasets-here") in result.stdout


@pytest.mark.parametrize("ci", ["", "false"])
def test_outside_ci_a_missing_dataset_is_a_skip_with_its_reason(tmp_path, ci):
    result = inner_pytest(tmp_path, ci=ci)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 skipped" in result.stdout and str(tmp_path / "no-datasets-here") in result.stdout
