"""The evaluate stage (speed, export check, champion comparison, promotion) vs a plain `yolo val`.

Trains twice so that the second evaluation has a champion to compare with, then times, in
this run: `yolo val` on the staged test split with the stage's arguments (the reference),
the first evaluate (no champion yet) and the second (champion run again, timed in
alternation, bootstrap). The ratios say what the extra answers cost over the bare score.

    python -m benchmarks.evaluate_overhead [--full] [--epochs N]     (from the repository root)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed
from tasks.core import load_params, resolve_device, state_dir
from testkit.profiles import TINY, write_params


def direct_val(params_file: Path) -> list[str]:
    """`yolo val` with exactly the validator arguments the evaluate stage passes."""
    params = load_params(params_file)
    args = {**params.evaluate.ultralytics_args(), "device": resolve_device(params.project.device)}
    data = state_dir() / "work/evaluate/data/test.yaml"  # the copy the stage staged
    yolo = str(Path(sys.executable).parent / "yolo")
    return [yolo, "val", "model=models/train/weights.pt", f"data={data}", *(f"{k}={v}" for k, v in args.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the project's params (default: the tiny test profile)")
    parser.add_argument("--epochs", type=int, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="yoloop-bench-") as tmp:
        work = Path(tmp)
        print(f"logs in {work} while it runs")
        overrides = [] if options.full else [TINY]
        if options.epochs:
            overrides.append({"train": {"epochs": options.epochs}})
        params_file = write_params(work / "params.yaml", *overrides)
        timed([sys.executable, "-m", "flows.prepare"], work, work / "prepare.log")
        timed([sys.executable, "-m", "flows.train"], work, work / "train1.log")
        first_s, _ = timed([sys.executable, "-m", "flows.evaluate"], work, work / "evaluate1.log")
        timed([sys.executable, "-m", "flows.train"], work, work / "train2.log")
        second_s, peak = timed([sys.executable, "-m", "flows.evaluate"], work, work / "evaluate2.log")
        direct_s, _ = timed(direct_val(params_file), work, work / "val.log")
        print(f"yolo val, same args           : {direct_s:8.1f} s")
        print(f"evaluate, first model         : {first_s:8.1f} s   ratio {first_s / direct_s:6.2f}")
        print(f"evaluate, against a champion  : {second_s:8.1f} s   ratio {second_s / direct_s:6.2f}")
        print(f"peak memory (second evaluate) : {peak / 2**30:8.2f} GiB")
        print((work / "reports/evaluate/decision.md").read_text())


if __name__ == "__main__":
    main()
