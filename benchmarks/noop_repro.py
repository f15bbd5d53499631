"""A no-op `dvc repro` of the whole pipeline (target: at most 2 s).

In a fresh copy of the project with the tiny test profile, the pipeline runs once, then
`dvc repro` runs again with nothing changed. The reference measured in the same run is
`dvc --version`, DVC's own start-up, so the ratio shows what checking the pipeline adds.

    python -m benchmarks.noop_repro      (from the repository root)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed
from testkit.processes import copy_project
from testkit.profiles import TINY, write_params

TARGET_S = 2.0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        repo = copy_project(Path(tmp) / "repo")
        write_params(repo / "params.yaml", TINY)
        dvc = [sys.executable, "-m", "dvc"]
        timed([*dvc, "repro"], repo, Path(tmp) / "first.log")
        noop = statistics.median(timed([*dvc, "repro"], repo)[0] for _ in range(5))
        startup = statistics.median(timed([*dvc, "--version"], repo)[0] for _ in range(5))
        print(f"no-op dvc repro     : {noop:6.2f} s (median of 5; target <= {TARGET_S} s, ratio {noop / TARGET_S:.2f})")
        print(f"dvc --version       : {startup:6.2f} s (DVC start-up, the reference)")
        print(f"ratio repro/startup : {noop / startup:6.2f}")


if __name__ == "__main__":
    main()
