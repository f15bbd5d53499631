"""The train stage through yoloop vs the same training called directly with `yolo train`.

Both train the same model on the same staged copy of the prepared data with the same
arguments, taking turns, `--repeats` times each. The ratio of the fastest of each (the least
disturbed: on these machines one training of the same model varies by 5 to 10% between runs, as
much as the target) is what yoloop adds: staging the data, the Prefect flow run, the MLflow run
and the model registration (target <= 1.05); the ratio of the medians is printed beside it. Both
run under one Prefect server started before them (or PREFECT_API_URL's), as under `yoloop
repro`, so its start-up is not in the stage's time (no stage pays it in a pipeline run) and its
presence is in both.

    python -m benchmarks.train_overhead [--epochs 40] [--repeats 3]     (from the repository root)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed
from tasks.core.params import load_params
from tasks.core.paths import Layout
from tasks.core.prefect_server import serving
from tasks.core.runtime import resolve_device
from tasks.train.fit import ultralytics_args
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=None, help="default: params.yaml's train.epochs")
    parser.add_argument("--repeats", type=int, default=3, help="trainings of each kind, taking turns (default 3)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        work = Path(tmp)
        params_file = write_params(
            work / "params.yaml", {"train": {"epochs": options.epochs}} if options.epochs else {}
        )
        stage, direct = [], []
        with serving():
            timed([sys.executable, "-m", "flows.prepare"], work)
            for turn in range(options.repeats):
                stage.append(timed([sys.executable, "-m", "flows.train"], work, work / f"stage-{turn}.log"))
                direct.append(timed(direct_command(work, params_file), work, work / f"direct-{turn}.log"))
        for name, runs in (("train stage via yoloop", stage), ("yolo train, same args ", direct)):
            times = "  ".join(f"{wall:6.1f}" for wall, _ in runs)
            peak = max(peak for _, peak in runs) / 2**30
            print(f"{name}: {times} s   fastest {min(w for w, _ in runs):6.1f} s   peak {peak:.2f} GiB")
        fastest = min(w for w, _ in stage) / min(w for w, _ in direct)
        medians = statistics.median(w for w, _ in stage) / statistics.median(w for w, _ in direct)
        print(f"ratio yoloop/direct   : {fastest:6.3f}   (fastest of each; target <= 1.05)   medians {medians:.3f}")


if __name__ == "__main__":
    main()
