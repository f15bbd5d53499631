"""The code follows the house style: ruff's lint rules and its formatting (pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from testkit.processes import PROJECT

SOURCES = ["cli", "flows", "tasks", "testkit", "tests", "benchmarks", "docs"]


def test_ruff_lint_passes():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *SOURCES], cwd=PROJECT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_ruff_format_is_applied():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *SOURCES], cwd=PROJECT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:]
