"""Label efficiency on the real BCCD dataset: does mining need fewer labels than random picking?

BCCD (../shared/datasets/bccd, Pascal VOC) is imported with yoloop's importer into a
temporary folder. A small random seed of its train split is labelled; the rest of the
train split is the pool, whose labels only the oracle reads; its val and test splits
serve as in the pipeline. Both arms run the same rounds from the same seed model, and
the script prints both curves and the labels the random arm needs to reach the mined
arm's final mAP50-95 (goal: mining needs at most half).

    python -m benchmarks.label_efficiency [--rounds 3] [--batch 20] [--seed-images 20] [--imgsz 320]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT


def bccd_setup(raw: Path, seed_images: int, seed: int):
    import yaml

    from tasks.core.yolo_files import list_images
    from tasks.loop.rounds import OracleSetup

    train = list_images(raw / "images" / "train")
    seed_set = sorted(random.Random(seed).sample(train, seed_images))
    pool = [image for image in train if image not in seed_set]
    declared = yaml.safe_load((raw / "data.yaml").read_text())["names"]
    names = list(declared.values()) if isinstance(declared, dict) else list(declared)
    val, test = list_images(raw / "images" / "val"), list_images(raw / "images" / "test")
    return OracleSetup(names, seed_set, pool, raw / "labels" / "train", val, test)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seed-images", type=int, default=20)
    parser.add_argument("--imgsz", type=int, default=320)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--transfer-epochs", type=int, default=10)
    parser.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    options = parser.parse_args()

    from flows.import_data import import_dataset
    from tasks.core.runtime import resolve_device
    from tasks.core.schema_mine import MineParams
    from tasks.loop.choosers import mined_chooser, random_chooser
    from tasks.loop.curves import write_report
    from tasks.loop.rounds import LoopPlan, run_oracle_rounds

    work = Path(tempfile.mkdtemp(prefix="yoloop-bench-al-"))
    imported = import_dataset(Path(options.datasets) / "bccd", "bccd", "voc", raw=work / "raw", use_dvc=False)
    setup = bccd_setup(imported.dest, options.seed_images, seed=0)
    device = resolve_device("auto")
    mine = MineParams(imgsz=options.imgsz, batch=16)
    choosers = {"mined": mined_chooser(mine, device), "random": random_chooser(0)}
    plan = LoopPlan(options.rounds, options.batch, options.epochs, options.transfer_epochs, 0)
    args = {"imgsz": options.imgsz, "batch": 16, "workers": 2, "device": device, "seed": 0, "plots": False}
    started = time.perf_counter()
    points = run_oracle_rounds(setup, plan, choosers, "yolov8n.yaml", args, work / "loop")
    summary = write_report(points, work / "report")
    print(
        f"BCCD: seed {len(setup.seed)}, pool {len(setup.pool)}, test {len(setup.test)}; {device}; "
        f"{time.perf_counter() - started:.0f} s; report in {work / 'report'}"
    )
    for row in summary["curve"]:
        print(f"  {row['arm']:6s} round {row['round']}: {row['images']:4d} images  mAP50-95 {row['map50_95']:.4f}")
    savings = summary["savings"]
    print(json.dumps(savings, indent=2))
    ratio = savings["mined_over_random"]
    print(f"labels mined / labels random for the same mAP: {ratio if ratio is None else round(ratio, 3)} (goal <= 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
