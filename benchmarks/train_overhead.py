"""The train stage through yoloop vs the same training called directly with `yolo train`.

Both train the same model on the same staged copy of the prepared data with the same
arguments, taking turns, `--repeats` times each. What yoloop adds (staging the data, the Prefect
flow run, the MLflow run and the model registration) is a fixed cost outside Ultralytics' epochs;
the epochs themselves vary by 5 to 10% between two trainings of the same model on these machines,
as much as the target (<= 1.05 at 10 epochs). So three ratios are printed:

- fixed cost: each run's wall time less the time of its epochs (the `time` column of Ultralytics'
  results.csv), the medians compared and put over the direct run's median wall time; this is the
  ratio the target is about, and the epochs' noise is not in it;
- epochs: the median time of the stage's epochs over the direct run's (1.0 unless yoloop slows the
  training itself, say by work beside it on the same cores);
- wall: the fastest of each, and the medians, as a user's clock sees them.

Both run under one Prefect server started before them (or PREFECT_API_URL's), as under `yoloop
repro`, so its start-up is not in the stage's time (no stage pays it in a pipeline run) and its
presence is in both.

    python -m benchmarks.train_overhead [--epochs 40] [--repeats 3]     (from the repository root)
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from benchmarks.common import timed
from tasks.core import Layout, load_params, resolve_device
from tasks.orchestration import serving
from tasks.train import ultralytics_args
from testkit.profiles import write_params


def direct_command(work: Path, params_file: Path) -> list[str]:
    """`yolo train` with exactly the arguments the train stage passes to Ultralytics."""
    params = load_params(params_file)
    args = ultralytics_args(params.train, resolve_device(params.project.device), params.project.seed)
    data = (Layout(work).scratch / "train/data/data.yaml").resolve()  # the copy the stage trained on
    pairs = [f"{k}={v}" for k, v in args.items()]
    yolo = str(Path(sys.executable).parent / "yolo")
    return [
        yolo,
        "train",
        f"model={params.train.model}",
        f"data={data}",
        f"project={work / 'direct'}",
        "name=run",
        "exist_ok=True",
        *pairs,
    ]


def epochs_time(results_csv: Path) -> float:
    """Seconds Ultralytics spent in its epochs (training and validation): the last row's cumulative `time`."""
    with results_csv.open() as table:
        rows = list(csv.DictReader(table, skipinitialspace=True))
    if not rows:
        raise SystemExit(f"{results_csv}: no epoch was recorded")
    return float(rows[-1]["time"])


class Run(NamedTuple):
    wall: float  # seconds, the whole command
    epochs: float  # seconds in Ultralytics' epochs
    peak: int  # bytes, the process tree's peak RSS

    @property
    def outside(self) -> float:
        """Seconds outside the epochs: start-up, the final validation, what yoloop adds, the exit."""
        return self.wall - self.epochs


def timed_run(command: list[str], work: Path, log: Path, results_csv: Path) -> Run:
    wall, peak = timed(command, work, log)
    return Run(wall, epochs_time(results_csv), peak)


def ratios(stage: list[Run], direct: list[Run]) -> dict[str, float]:
    """The figures the module's docstring describes: fixed cost added (s), its ratio, the epochs' and the walls'."""
    median = statistics.median
    direct_wall = median(run.wall for run in direct)
    added = median(run.outside for run in stage) - median(run.outside for run in direct)
    return {
        "fixed_cost_s": added,
        "fixed_cost_ratio": 1 + added / direct_wall,
        "epochs_ratio": median(run.epochs for run in stage) / median(run.epochs for run in direct),
        "wall_ratio_fastest": min(run.wall for run in stage) / min(run.wall for run in direct),
        "wall_ratio_medians": median(run.wall for run in stage) / direct_wall,
    }


def report(stage: list[Run], direct: list[Run]) -> None:
    """Print each kind's runs and the three ratios (the module's docstring says what each means)."""
    for name, runs in (("train stage via yoloop", stage), ("yolo train, same args ", direct)):
        walls = "  ".join(f"{run.wall:6.1f}" for run in runs)
        outside = "  ".join(f"{run.outside:5.1f}" for run in runs)
        peak = max(run.peak for run in runs) / 2**30
        print(f"{name}: wall {walls} s   outside the epochs {outside} s   peak {peak:.2f} GiB")
    figures = ratios(stage, direct)
    print(f"fixed cost added by yoloop     : {figures['fixed_cost_s']:6.1f} s")
    print(f"ratio yoloop/direct, fixed cost: {figures['fixed_cost_ratio']:6.3f}   (target <= 1.05)")
    print(f"ratio of the epochs' time      : {figures['epochs_ratio']:6.3f}")
    print(
        f"ratio of the wall times        : {figures['wall_ratio_fastest']:6.3f} fastest of each   "
        f"{figures['wall_ratio_medians']:.3f} medians"
    )


def measure(work: Path, overrides: dict, repeats: int) -> tuple[list[Run], list[Run]]:
    """Prepare a project in `work` (params.yaml with `overrides`), then train it `repeats` times each way, taking
    turns; the project (data, the stage's last model) stays in `work` for the caller."""
    params_file = write_params(work / "params.yaml", overrides)
    stage, direct = [], []
    with serving():
        timed([sys.executable, "-m", "flows.prepare"], work)
        for turn in range(repeats):
            stage_command = [sys.executable, "-m", "flows.train"]
            stage_table = work / "reports/train/results.csv"  # the stage's copy of its run's table
            stage.append(timed_run(stage_command, work, work / f"stage-{turn}.log", stage_table))
            direct_table = work / "direct/run/results.csv"
            direct.append(timed_run(direct_command(work, params_file), work, work / f"direct-{turn}.log", direct_table))
    return stage, direct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=None, help="default: params.yaml's train.epochs")
    parser.add_argument("--repeats", type=int, default=3, help="trainings of each kind, taking turns (default 3)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        overrides = {"train": {"epochs": options.epochs}} if options.epochs else {}
        stage, direct = measure(Path(tmp), overrides, options.repeats)
        report(stage, direct)


if __name__ == "__main__":
    main()
