"""The train stage through yoloop vs the same training called directly with `yolo train`.

Both train the same model on the same staged copy of the prepared data with the same
arguments, one after the other in this run. The ratio (target <= 1.05) is what yoloop adds:
staging the data, the Prefect flow run, MLflow logging and model registration. The stages run
under one Prefect server started before them (or PREFECT_API_URL's), as under `yoloop repro`,
so its start-up is not in the stage's time: no stage pays it in a pipeline run.

    python -m benchmarks.train_overhead [--epochs 40]     (from the repository root)
"""

from __future__ import annotations

import argparse
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
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        work = Path(tmp)
        params_file = write_params(
            work / "params.yaml", {"train": {"epochs": options.epochs}} if options.epochs else {}
        )
        with serving():
            timed([sys.executable, "-m", "flows.prepare"], work)
            stage_s, stage_peak = timed([sys.executable, "-m", "flows.train"], work, work / "stage.log")
        direct_s, direct_peak = timed(direct_command(work, params_file), work, work / "direct.log")
        print(f"train stage via yoloop: {stage_s:8.1f} s   peak {stage_peak / 2**30:.2f} GiB")
        print(f"yolo train, same args : {direct_s:8.1f} s   peak {direct_peak / 2**30:.2f} GiB")
        print(f"ratio yoloop/direct   : {stage_s / direct_s:8.3f}   (target <= 1.05)")


if __name__ == "__main__":
    main()
