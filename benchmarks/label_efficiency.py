"""Label efficiency: does a selection strategy need fewer labels than random picking? With repeats and intervals.

The data comes in through the pipeline's own code, in a temporary project: `yoloop import`'s
importer copies a real dataset (../shared/datasets/<name>) into data/raw, then the prepare stage
(`python -m flows.prepare`, as `dvc repro` runs it) writes data/prepared, and, with
`prepare.oracle: {split: train, share: 0.8}`, moves 80% of the train split's images to
data/pool and their labels to data/oracle (the built-in source generates its own pool).

Every arm (a `mine.strategy`) of one repeat starts from the same seed set and the same seed model
(checked by hash in the report); repeats draw other seed sets. Per round and arm: the mean test
mAP50-95 over repeats and its 95% interval; per arm: AULC, the paired difference arm - random
(bootstrap over repeats), the labels needed to reach random's final mAP. Written to
reports/label_efficiency/<dataset>-<profile>/: report.json (every run), report.md, curve.png.

    python -m benchmarks.label_efficiency --dataset neu-det --profile cpu [--repeats 5] [--jobs 1]

A dataset is a params override of a temporary project (what `prepare` reads) and, for a real one,
the folder `yoloop import` reads. A profile sizes one experiment for a machine: smoke (minutes),
cpu (<= 60 min on 2 cores), gpu (>= 10 repeats, sized for ~10 min on one H100-class GPU); the
figures next to each say how it was sized (docs/how-to/active-learning.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, real_datasets_or_exit, timed
from tasks.core.schema import STRATEGIES

ORACLE = {"split": "train", "share": 0.8}  # 80% of the prepared train split: the pool, its labels the oracle's

DATASETS: dict[str, dict[str, Any]] = {
    "builtin": {"source": None, "prepare": {"source": "builtin"}},
    "bccd": {  # VOC with ImageSets/Main/{train,val,test}.txt: its own splits (205 / 87 / 72 images)
        "source": "bccd",
        "prepare": {
            "source": "datasets",
            "classes": {"base": ["RBC", "WBC", "Platelets"], "new": []},
            "datasets": [{"name": "bccd"}],
            "oracle": ORACLE,
        },
    },
    "neu-det": {  # IMAGES/ + ANNOTATIONS/ (1,800 grayscale 200 x 200, 6 classes), no splits: re-split by hash
        "source": "neu-det",
        "prepare": {
            "source": "datasets",
            "classes": {
                "base": ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"],
                "new": [],
            },
            "datasets": [{"name": "neu-det"}],
            "resplit": {"val": 0.15, "test": 0.15},
            "oracle": ORACLE,
        },
    },
}


@dataclass(frozen=True)
class Profile:
    """One experiment's size: image side, seed set, batch per round, rounds, epochs, pool sample, repeats."""

    imgsz: int
    seed_images: int
    batch: int  # images labelled per round and arm
    rounds: int
    epochs: int  # the seed model, from scratch
    transfer_epochs: int  # each round fine-tunes the arm's previous model
    pool_images: int  # 0: the whole pool; else a sample per repeat (shared by its arms)
    val_images: int  # 0: the whole val split; else a sample per repeat (validated once, after the last epoch)
    repeats: int
    train_batch: int
    workers: int
    jobs: int = 1  # repeats run at once, one process each (a GPU has room for several small trainings)
    cold_start: float | None = None  # None: mine.cold_start of params.yaml
    builtin: dict[str, int] = field(default_factory=dict)  # split sizes when the dataset is the built-in one

    def params(self, cold_start: float | None = None) -> dict[str, Any]:
        """The params overrides of the temporary project (`cold_start`, if given, wins over the profile's)."""
        fit = {"imgsz": self.imgsz, "batch": self.train_batch, "workers": self.workers}
        overrides: dict[str, Any] = {
            # val: false validates once, after the last epoch: per-epoch validation cost more than training here
            "train": {**fit, "ultralytics": {"plots": False, "val": False}},
            "mine": {"imgsz": self.imgsz, "batch": max(self.train_batch, 16)},
        }
        chosen = self.cold_start if cold_start is None else cold_start
        if chosen is not None:
            overrides["mine"]["cold_start"] = chosen
        if self.builtin:
            overrides["prepare"] = {"builtin": {"images": self.builtin}}
        return overrides


PROFILES: dict[str, Profile] = {
    # Minutes on 2 CPU cores, to see the whole experiment run end to end; its figures mean nothing.
    "smoke": Profile(
        imgsz=64,
        seed_images=8,
        batch=4,
        rounds=2,
        epochs=3,
        transfer_epochs=1,
        pool_images=24,
        val_images=0,
        repeats=2,
        train_batch=8,
        workers=0,
        builtin={"base_train": 16, "base_val": 4, "new_train": 8, "new_val": 3, "test": 8, "pool": 40},
    ),
    # Sized for 60 minutes on 2 CPU cores. Ultralytics trains on the CPU with one thread (cores - 1), so two
    # repeats run at once. Calibrated on neu-det at 128 px (YOLOv8n from scratch, test mAP50-95): 200 images x
    # 40 epochs 0.036, 200 x 80 0.098, 400 x 40 0.103; the seed gets 6k image-epochs, each round 15 epochs on
    # all labels so far. Models this small stay below the cold-start threshold, where uncertainty and hybrid
    # would pick exactly as diversity does: cold start is off so that the four arms measure four rules.
    "cpu": Profile(
        imgsz=128,
        seed_images=100,
        batch=50,
        rounds=2,
        epochs=60,
        transfer_epochs=15,
        pool_images=400,
        val_images=60,
        repeats=5,
        train_batch=16,
        workers=1,
        jobs=2,
        cold_start=0.0,
        builtin={"base_train": 200, "base_val": 40, "new_train": 80, "new_val": 20, "test": 100, "pool": 400},
    ),
    # Sized for about 10 minutes on one H100-class GPU, all 10 repeats at once (16 CPU cores: one
    # dataloader worker each); not run yet: no GPU was lent.
    "gpu": Profile(
        imgsz=256,
        seed_images=50,
        batch=40,
        rounds=5,
        epochs=60,
        transfer_epochs=10,
        pool_images=0,
        val_images=100,
        repeats=10,
        train_batch=32,
        workers=1,
        jobs=10,
    ),
}


def prepared_project(dataset: str, profile: Profile, root: Path, cold_start: float | None) -> Path:
    """A temporary project with the dataset imported (`yoloop import`'s code) and prepared (the prepare stage)."""
    from tasks.core import load_params
    from tasks.data import import_dataset
    from testkit.profiles import write_params

    spec = DATASETS[dataset]
    root.mkdir(parents=True, exist_ok=True)
    params = load_params(write_params(root / "params.yaml", {"prepare": spec["prepare"]}, profile.params(cold_start)))
    if spec["source"]:
        source = real_datasets_or_exit() / spec["source"]
        import_dataset(source, spec["source"], "auto", params.imports, raw=root / "data" / "raw", use_dvc=False)
    timed([sys.executable, "-m", "flows.prepare"], cwd=root, log=root / "prepare.log")
    return root


@dataclass(frozen=True)
class Experiment:
    """Everything a repeat needs, picklable, so repeats can run in processes of their own."""

    project: Path
    arms: tuple[str, ...]
    profile: Profile
    device: str
    seed: int
    work: Path


def experiment_parts(experiment: Experiment) -> tuple[Any, Any, Any, str, dict[str, Any]]:
    """(setup per repeat, choosers per repeat, plan, model yaml, Ultralytics args) from the project's params."""
    from tasks.core import load_params, read_card
    from tasks.loop import LoopPlan, choosers_by_repeat, prepared_repeats
    from tasks.train import ultralytics_args

    root, profile = experiment.project, experiment.profile
    params = load_params(root / "params.yaml")
    sizes = {key: getattr(profile, key) for key in ("seed_images", "pool_images", "val_images")}
    loop = params.active_learning.model_copy(update=sizes)
    dataset = read_card(root / "data" / "prepared")
    setup_for = prepared_repeats(dataset, root / "data/pool/images", root / "data/oracle/labels", loop, experiment.seed)
    choosers_for = choosers_by_repeat(list(experiment.arms), params.mine, experiment.device, experiment.seed)
    plan = LoopPlan(profile.rounds, profile.batch, profile.epochs, profile.transfer_epochs, 0)
    args = ultralytics_args(params.train, experiment.device, experiment.seed)
    return setup_for, choosers_for, plan, params.train.model, args


def run_repeat(experiment: Experiment, repeat: int) -> tuple[list, float]:
    """One repeat, every arm; returns its points and its wall seconds."""
    from tasks.loop.arms import run_one_repeat

    started = time.perf_counter()
    setup_for, choosers_for, plan, model_yaml, args = experiment_parts(experiment)
    points = run_one_repeat(setup_for, choosers_for, repeat, plan, model_yaml, args, experiment.work)
    return points, time.perf_counter() - started


def private_worker_state() -> None:
    """A repeat process of its own gets its own FiftyOne database and Ultralytics settings folder.

    Processes that start FiftyOne's mongod at the same moment race for it (one fails with
    ServiceListenTimeout), and Ultralytics rewrites its settings file on start; this runs before
    either library is imported in the worker.
    """
    from tasks.core import state_dir

    own = state_dir() / "workers" / str(os.getpid())
    os.environ["FIFTYONE_DATABASE_DIR"] = str(own / "fiftyone" / "db")
    os.environ["YOLO_CONFIG_DIR"] = str(own / "ultralytics")


def run_experiment(experiment: Experiment, repeats: int, jobs: int, report) -> tuple[list, list[float]]:
    """All repeats, `jobs` at a time; the report is rewritten as each repeat finishes."""
    points, seconds = [], []
    if jobs <= 1:
        for repeat in range(repeats):
            found, wall = run_repeat(experiment, repeat)
            points, seconds = points + found, seconds + [wall]
            report(points, seconds)
        return points, seconds
    spawn = get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=spawn, initializer=private_worker_state) as pool:
        for found, wall in pool.map(run_repeat, [experiment] * repeats, range(repeats)):
            points, seconds = points + found, seconds + [wall]
            report(points, seconds)
    return points, seconds


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="neu-det")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="cpu")
    parser.add_argument("--repeats", type=int, default=None, help="default: the profile's (cpu 5, gpu 10)")
    parser.add_argument("--jobs", type=int, default=None, help="repeats at once (default: the profile's)")
    parser.add_argument("--arms", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cold-start", type=float, default=None, help="override mine.cold_start (0: off)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default=None, help="default: reports/label_efficiency/<dataset>-<profile>")
    return parser.parse_args()


@dataclass(frozen=True)
class Benchmark:
    """One run of the benchmark: what the command line chooses."""

    dataset: str
    profile: Profile
    profile_name: str
    repeats: int
    jobs: int
    arms: tuple[str, ...]
    seed: int = 0
    cold_start: float | None = None
    device: str = "auto"


def run_benchmark(chosen: Benchmark, dest: Path, prepared: Path | None = None) -> tuple[dict, str, dict[str, Any]]:
    """Prepare the dataset in a temporary project (or use `prepared`, a project already prepared with the
    profile's params: benchmarks/gpu_check.py's tiny mode passes its train row's), run every repeat, write the
    report under `dest`.

    Returns (the summary, its title, the timings); an InputError from prepare (a params key this
    checkout does not know) propagates."""
    from tasks.core import load_params, resolve_device
    from tasks.loop import write_efficiency_report

    profile = chosen.profile
    work = Path(tempfile.mkdtemp(prefix="yoloop-bench-al-"))
    started = time.perf_counter()
    project = prepared or prepared_project(chosen.dataset, profile, work / "project", chosen.cold_start)
    prepare_s = time.perf_counter() - started
    device = resolve_device(chosen.device)
    experiment = Experiment(project, chosen.arms, profile, device, chosen.seed, work / "loop")
    title = (
        f"{chosen.dataset}, profile {chosen.profile_name}: {', '.join(chosen.arms)} over {chosen.repeats} repeats "
        f"({device})"
    )
    setup = {"dataset": chosen.dataset, "profile": chosen.profile_name, **profile.__dict__, "repeats": chosen.repeats}
    setup["cold_start"] = load_params(project / "params.yaml").mine.cold_start
    timing: dict[str, Any] = {"prepare_s": prepare_s, "work": str(work)}

    def report(points: list, seconds: list[float]) -> dict:
        timing.update({"repeat_s": seconds, "total_s": time.perf_counter() - started})
        return write_efficiency_report(points, dest, title, {**setup, "device": device, "jobs": chosen.jobs, **timing})

    points, seconds = run_experiment(experiment, chosen.repeats, chosen.jobs, report)
    return report(points, seconds), title, timing


def main() -> int:
    chosen = options()
    from tasks.core import InputError
    from tasks.loop.efficiency import markdown_lines

    profile = PROFILES[chosen.profile]
    benchmark = Benchmark(
        chosen.dataset,
        profile,
        chosen.profile,
        chosen.repeats or profile.repeats,
        chosen.jobs or profile.jobs,
        tuple(chosen.arms),
        chosen.seed,
        chosen.cold_start,
        chosen.device,
    )
    dest = Path(chosen.out or ROOT / "reports" / "label_efficiency" / f"{chosen.dataset}-{chosen.profile}")
    try:
        summary, title, timing = run_benchmark(benchmark, dest)
    except InputError as exc:  # e.g. a params key (prepare.oracle) this checkout's schema does not know yet
        print("\n".join(f"error: {line}" for line in exc.lines), file=sys.stderr)
        return 2
    print("\n".join(markdown_lines(summary, title)))
    repeats = ", ".join(f"{s:.0f}" for s in timing["repeat_s"])
    print(f"\nprepare {timing['prepare_s']:.0f} s; repeats {repeats} s; total {timing['total_s']:.0f} s")
    print(f"report: {dest} (work: {timing['work']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
