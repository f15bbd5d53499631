"""The blog's own experiment on the blog's own photos, through yoloop as a user runs it, side by side with the blog.

In a temporary copy of this project (git, DVC): plysaci is copied out of ../shared/datasets,
`yoloop import` takes 2plysaci, prasatko and 3plysaci, params.yaml names them (the donkey and
the sheep are the base classes, the pig the new one; one re-split gives the four models one test
split), `dvc repro prepare` merges them (3plysaci's fuller boxes win; prasatko's loose test image,
which 3plysaci trains on, is the leak the check catches) and `yoloop economics` trains A, B, C, D.
The report and the table against the blog's figures go to reports/blog_replication/<profile>/.

    python -m benchmarks.blog_replication --profile smoke|cpu|gpu

Profiles: smoke (minutes: the whole path at 320 px, a few epochs; its figures mean nothing);
cpu (320 px, the blog's 2,000 / 100 epochs scaled to 300 / 15, D beside A -> B, C: sized for 45
minutes on 2 cores); gpu (the blog's settings: 1024 px, 2,000 / 100 epochs, batch 16, one run at a
time so each has the device to itself, as on the blog's A100).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.blog_figures import comparison
from benchmarks.common import ROOT, timed

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")  # a loaded box starts it slowly
DATASET_DIRS = [os.environ.get("YOLOOP_REAL_DATASETS", ""), ROOT.parent / "shared/datasets", "/work/shared/datasets"]
SETS = ("2plysaci", "prasatko", "3plysaci")


@dataclass(frozen=True)
class Profile:
    """One run's size: image side, scratch and transfer epochs, batch, loader workers, trainings at once."""

    imgsz: int
    scratch_epochs: int  # A and D (the blog: 2,000)
    transfer_epochs: int  # B and C (the blog: 100)
    batch: int
    workers: int
    jobs: int  # economics.jobs: 2 trains D beside A -> B, C

    def params(self) -> dict[str, Any]:
        """The overrides of the temporary project's params.yaml (docs/how-to/blog-replication.md)."""
        fit = {"imgsz": self.imgsz, "batch": self.batch, "workers": self.workers}
        return {
            "prepare": {
                "source": "datasets",
                "classes": {"base": ["oslik", "ovecka"], "new": ["prasatko"]},
                "datasets": [{"name": name} for name in SETS],
                "resplit": {"val": 0.15, "test": 0.15},
            },
            # patience 0: every epoch the blog names is trained, none stopped early
            "train": {**fit, "epochs": self.scratch_epochs, "patience": 0},
            "transfer": {**fit, "epochs": self.transfer_epochs, "patience": 0},
            "evaluate": fit,
            "economics": {"jobs": self.jobs},
            "imports": {"optional_splits": ["test"]},  # 2plysaci and 3plysaci name a test split they do not have
        }


PROFILES = {
    # The whole path in minutes; calibrates the cpu profile (same size, same jobs, fewer epochs).
    "smoke": Profile(imgsz=320, scratch_epochs=6, transfer_epochs=2, batch=8, workers=0, jobs=2),
    # 45 minutes on 2 cores: Ultralytics trains a CPU run on one thread (cores - 1), so D trains in a process of
    # its own beside A -> B, C. The blog's 20:1 ratio of scratch to transfer epochs is kept.
    "cpu": Profile(imgsz=320, scratch_epochs=300, transfer_epochs=15, batch=8, workers=0, jobs=2),
    # The blog's settings on one GPU (device: auto), one training at a time; not run yet: no GPU was lent.
    "gpu": Profile(imgsz=1024, scratch_epochs=2000, transfer_epochs=100, batch=16, workers=8, jobs=1),
}


def datasets_dir() -> Path:
    found = next((Path(c) for c in DATASET_DIRS if c and (Path(c) / "plysaci").is_dir()), None)
    if found is None:
        raise SystemExit("plysaci is not here: set YOLOOP_REAL_DATASETS to the folder that holds plysaci/")
    return found


def user_project(work: Path, profile: Profile) -> Path:
    """A copy of this project as git sees it (a git and DVC repository), its params naming the three sets."""
    from testkit.processes import copy_project
    from testkit.profiles import write_params

    project = copy_project(work / "project")
    write_params(project / "params.yaml", profile.params())
    return project


def run_steps(project: Path, plysaci: Path, logs: Path) -> dict[str, float]:
    """What a user types, in order; the wall seconds of each step."""
    steps = {f"import {name}": ["-m", "cli", "import", str(plysaci / f"{name}.yaml"), "--name", name] for name in SETS}
    steps |= {
        "dvc repro prepare": ["-m", "dvc", "repro", "prepare"],
        "yoloop economics": ["-m", "cli", "economics"],
    }
    seconds = {}
    for step, args in steps.items():
        print(f"{step} ...", flush=True)
        seconds[step], _ = timed([sys.executable, *args], project, logs / f"{step.replace(' ', '_')}.log")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="smoke")
    parser.add_argument("--out", default=None, help="default: reports/blog_replication/<profile>")
    chosen = parser.parse_args()
    profile, started = PROFILES[chosen.profile], time.perf_counter()
    dest = Path(chosen.out or ROOT / "reports" / "blog_replication" / chosen.profile)
    work = Path(tempfile.mkdtemp(prefix="yoloop-bench-blog-"))  # kept: the project, its logs, models and report
    print(f"profile {chosen.profile}: {asdict(profile)}; work folder: {work}")
    plysaci = Path(shutil.copytree(datasets_dir() / "plysaci", work / "plysaci"))  # the source is only ever read
    project = user_project(work, profile)
    seconds = run_steps(project, plysaci, work)
    report = json.loads((project / "reports/economics/report.json").read_text())
    table = comparison(report, f"yoloop {chosen.profile}")
    total = time.perf_counter() - started
    timing = ", ".join(f"{step} {s:.0f} s" for step, s in seconds.items())
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(project / "reports/economics", dest, dirs_exist_ok=True)
    (dest / "comparison.md").write_text(
        f"{table}\nSteps: {timing}; total {total:.0f} s ({report['settings']['device']}).\n"
    )
    print((project / "reports/economics/report.md").read_text())
    print(table)
    print(f"steps: {timing}; total {total:.0f} s on {report['settings']['device']}")
    print(f"report: {dest} (work: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
