"""The demo on this machine: the whole default `yoloop repro`, as `make demo` (targets: 15 min, 4 GiB peak).

Runs the pipeline with the project's own params.yaml in a fresh copy of the project and
reports wall time and the peak summed RSS of the process tree (the run's one Prefect server
included), each as a ratio of its target.

    python -m benchmarks.demo      (from the repository root)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed
from testkit.processes import copy_project

TARGET_S, TARGET_BYTES = 15 * 60, 4 * 2**30


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        repo = copy_project(Path(tmp) / "repo")
        log = Path(tmp) / "repro.log"
        wall, peak = timed([sys.executable, "-m", "cli", "repro"], repo, log)
        print(log.read_text()[-2000:])
        print(f"cores: {os.cpu_count()}")
        print(f"wall time : {wall / 60:6.1f} min   ratio to 15 min target: {wall / TARGET_S:.2f}")
        print(f"peak RSS  : {peak / 2**30:6.2f} GiB   ratio to 4 GiB target: {peak / TARGET_BYTES:.2f}")


if __name__ == "__main__":
    main()
