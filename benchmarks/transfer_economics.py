"""Transfer on all data (C) against scratch on all data (D), on the built-in data.

Target: C reaches at least 95% of D's test mAP50-95 with at most a tenth of D's compute
(device seconds; images seen printed too). Runs `yoloop economics` (A, B, C, D) in a
temporary project, so C starts from a model A trained on the base classes the same way.

    python -m benchmarks.transfer_economics [--scratch-epochs 40] [--transfer-epochs 4] [--scale 1.0]

`--scale` shrinks every split of the built-in data (0.5: half the images) for a quick run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

from benchmarks.common import timed
from testkit.profiles import PROJECT_PARAMS, write_params


def overrides(scratch_epochs: int, transfer_epochs: int, scale: float) -> dict:
    images = yaml.safe_load(PROJECT_PARAMS.read_text())["prepare"]["builtin"]["images"]
    scaled = {split: max(4, round(count * scale)) for split, count in images.items()}
    return {
        "prepare": {"builtin": {"images": scaled}},
        "train": {"epochs": scratch_epochs},
        "transfer": {"epochs": transfer_epochs, "data": "all"},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch-epochs", type=int, default=40)
    parser.add_argument("--transfer-epochs", type=int, default=4)
    parser.add_argument("--scale", type=float, default=1.0)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="yoloop-bench-"))  # kept: the logs, the report and the models
    print(f"work folder: {work}")
    write_params(work / "params.yaml", overrides(options.scratch_epochs, options.transfer_epochs, options.scale))
    timed([sys.executable, "-m", "flows.prepare"], work, work / "prepare.log")
    wall, _ = timed([sys.executable, "-m", "flows.economics"], work, work / "economics.log")
    report = json.loads((work / "reports/economics/report.json").read_text())
    print((work / "reports/economics/report.md").read_text())
    c, d = report["experiments"]["C"], report["experiments"]["D"]
    quality = c["map50_95"] / d["map50_95"] if d["map50_95"] else float("nan")
    compute = c["device_s"] / d["device_s"]
    print(
        f"settings           : scratch {options.scratch_epochs} epochs, transfer {options.transfer_epochs}, "
        f"scale {options.scale}; economics flow {wall:.0f} s"
    )
    print(f"scratch on all (D) : mAP50-95 {d['map50_95']:.4f}  device {d['device_s']:8.1f} s  imgs {d['images_seen']}")
    print(f"transfer on all (C): mAP50-95 {c['map50_95']:.4f}  device {c['device_s']:8.1f} s  imgs {c['images_seen']}")
    print(f"quality ratio C/D  : {quality:8.3f}   (target >= 0.95)")
    print(f"compute ratio C/D  : {compute:8.3f}   (target <= 0.10; images {c['images_seen'] / d['images_seen']:.3f})")


if __name__ == "__main__":
    main()
