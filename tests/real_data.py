"""The real datasets for tests: testkit's copies, or a skip saying why when they are not on this machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit import real_data
from testkit.real_data import tree_digest

__all__ = ["copy_real", "copy_real_sets", "real_datasets", "tree_digest"]


def real_datasets() -> Path:
    """The folder of the real datasets (read-only: copy before writing); skips the test without them."""
    try:
        return real_data.real_datasets()
    except real_data.RealDataMissing as missing:
        pytest.skip(str(missing))


def copy_real(name: str, dest: Path) -> Path:
    """A private copy of one dataset folder (plysaci, coco128, bccd); skips the test without the datasets."""
    try:
        return real_data.copy_real(name, dest)
    except real_data.RealDataMissing as missing:
        pytest.skip(str(missing))


def copy_real_sets(dest: Path, *names: str) -> Path:
    """Private copies of the named dataset folders side by side in `dest` (a module's fixture); returns `dest`."""
    for name in names:
        copy_real(name, dest)
    return dest
