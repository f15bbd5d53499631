"""The figures no CPU can give, in one table, in at most 9 minutes on one H100-class GPU (issue 23, item 6).

    python -m benchmarks.gpu_check [--tiny] [--out reports/gpu_check.json]     (from the repository root)

Each row is one figure, measured by the benchmark that owns it (imported and called, not copied):

- train: the train stage against a plain `yolo train` with the same arguments at 640 px, one of each
  (benchmarks/train_overhead.py); the figure is the wall-time ratio, the fixed cost beside it;
- pool scoring: images per second of pool scoring at 640 px against a plain batched predict, same weights
  (benchmarks/pool_scoring.py; the train row's model when it ran);
- export fp16, export int8: the train row's model exported and scored on the test split, the mAP50-95 each
  export costs and where ONNX Runtime scored it (tasks/evaluate/export_check.py, as the evaluate stage does);
- label efficiency: a reduced GPU profile of benchmarks/label_efficiency.py on bccd (two arms, two repeats);
- label audit: a reduced GPU profile of benchmarks/label_audit.py on neu-det (300 images, 3 folds);
- device tests: the suite's tests marked `device` (`pytest -m device`), which assert what must hold on the
  device they run on.

On the GPU each part runs in a process of its own with a time budget; a part that fails, or runs past its
budget, is a row with its error, and the next part runs. The table is printed and written as JSON to `--out`.

`--tiny` (the default where no CUDA device is present) keeps the check working on a CPU (tests/e2e/test_gpu_check.py
runs it): every code path of every part at the smallest sizes that still exercise it (32 px, one epoch, a handful
of images), its figures meaningless. The parts run in this one process (a process each would only add start-ups),
each under an alarm that stops a hang, each logging to its own file. The only processes started are the ones
measured (the train stage, `yolo train`, the prepare stage before them) and their Prefect server, stopped once
they are done (FiftyOne's database is the label audit's own). One prepared project and one trained model serve the
train row, the exports, pool scoring and label efficiency (the project is prepared with the efficiency profile's
params), so 7 trainings of a few images remain: the stage's and yolo's, label efficiency's seed model and one
round per arm, the audit's two folds. The device tests are skipped there, saying why. A little over a minute of
CPU time (the table gives each part's wall and CPU seconds, and the load: on shared cores the wall time says little).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT
from testkit.processes import project_env
from testkit.profiles import TINY, merged

TOTAL_BUDGET_S = 540  # 9 minutes on the GPU, every part included
# --tiny: the budgets only stop a hang (on 2 cores shared with other test runs, at load 10 to 13, the whole took 170 to
# 220 s and the train row, the longest part, up to 120 s).
TINY_TOTAL_S, TINY_PART_S = 600, 240
TINY_SIDE = 32  # px: the smallest side Ultralytics takes (YOLOv8n's largest stride), for every tiny part
OUT = ROOT / "reports" / "gpu_check.json"

# The train row's project: the built-in data rendered at 640 px (pool left out: nothing mines it here).
TRAIN_GPU = {
    "prepare": {
        "builtin": {
            "image_size": 640,
            "images": {"base_train": 256, "base_val": 32, "new_train": 8, "new_val": 4, "test": 64, "pool": 0},
        }
    },
    "train": {"epochs": 3, "imgsz": 640, "batch": 32, "workers": 8},
    "evaluate": {"imgsz": 640, "batch": 32, "workers": 4},
}
# The tiny train row's project, shared by the exports, pool scoring and label efficiency: TINY at 32 px, and (in
# train_project()) the tiny efficiency profile's params, its built-in splits and pool included.
TRAIN_TINY = merged(
    TINY,
    {
        "prepare": {"builtin": {"image_size": TINY_SIDE}},
        "train": {"imgsz": TINY_SIDE},
        "evaluate": {"imgsz": TINY_SIDE, "export": {"calibration_images": 4}},
    },
)
POOL_GPU = {"images": 512, "imgsz": 640, "batch": 64}
POOL_TINY = {"images": 8, "imgsz": TINY_SIDE, "batch": 4}  # two batches: the warm-up takes one
AUDIT_GPU = {"images": 300, "folds": 3, "epochs": 15, "imgsz": 224, "batch": 64, "workers": 4, "device": "0"}
AUDIT_TINY = {"images": 16, "folds": 2, "epochs": 1, "imgsz": TINY_SIDE, "batch": 8, "workers": 0, "device": "cpu"}
EFFICIENCY_ARMS = ("random", "uncertainty")
NOT_ITSELF = ["--deselect", "tests/e2e/test_gpu_check.py"]  # the device test that runs this check's tiny version


def efficiency_profile(tiny: bool):
    """The reduced GPU profile of the label-efficiency benchmark (bccd: 41 labelled train images once 80% of the
    205 are the pool), or a tiny one on the built-in data."""
    from benchmarks.label_efficiency import Profile

    sizes = {"seed_images": 30, "batch": 20, "rounds": 2, "epochs": 20, "transfer_epochs": 5, "pool_images": 0}
    if tiny:  # one round of each arm: a seed model, a choice from the pool, one fine-tune each
        builtin = {"base_train": 8, "base_val": 3, "new_train": 4, "new_val": 3, "test": 6, "pool": 8}
        sizes = {"seed_images": 8, "batch": 4, "rounds": 1, "epochs": 1, "transfer_epochs": 1, "pool_images": 8}
        profile = Profile(TINY_SIDE, **sizes, val_images=0, repeats=1, train_batch=8, workers=0, builtin=builtin)
        return "builtin", replace(profile, cold_start=0.0)
    return "bccd", Profile(320, **sizes, val_images=40, repeats=2, train_batch=16, workers=2, jobs=2, cold_start=0.0)


def train_project(tiny: bool) -> dict[str, Any]:
    """The train row's params overrides: at 640 px on the GPU; tiny, the efficiency profile's project (its splits,
    pool, training and mining sizes), which the efficiency part then uses as it is, prepared and all."""
    if not tiny:
        return TRAIN_GPU
    _, profile = efficiency_profile(True)
    return merged(TRAIN_TINY, profile.params())


@dataclass(frozen=True)
class Part:
    """One measurement: the rows it gives, its budget on the GPU (s), and the function; a part with `not_tiny` is
    a row saying so in tiny mode."""

    name: str
    rows: tuple[str, ...]
    budget_s: int
    measure: Callable[[Path, bool], dict[str, dict[str, Any]]]  # (work folder, tiny) -> row name -> row
    not_tiny: str | None = None


def row(figure: str, **figures: Any) -> dict[str, Any]:
    return {"status": "ok", "figure": figure, "figures": figures}


def skipped(reason: str) -> dict[str, Any]:
    return {"status": "skipped", "figure": None, "reason": reason}


def measure_train(work: Path, tiny: bool) -> dict[str, dict[str, Any]]:
    from benchmarks.train_overhead import measure, ratios

    project = work / "train"
    project.mkdir()
    stage, direct = measure(project, train_project(tiny), repeats=1)
    figures = ratios(stage, direct)
    text = f"wall ratio {figures['wall_ratio_fastest']:.3f} (stage {stage[0].wall:.1f} s, yolo {direct[0].wall:.1f} s)"
    return {"train stage vs yolo train": row(text, stage_s=stage[0].wall, direct_s=direct[0].wall, **figures)}


def trained_weights(work: Path) -> Path | None:
    weights = work / "train" / "models" / "train" / "weights.pt"
    return weights if weights.is_file() else None


def measure_exports(work: Path, tiny: bool) -> dict[str, dict[str, Any]]:
    """The train row's model exported as the evaluate stage exports it, each variant scored on the test split."""
    from tasks.core import load_params, read_card, read_model_card, resolve_device, stage_test_set
    from tasks.evaluate import evaluate_detector
    from tasks.evaluate.export_check import calibration_images, export_and_score, export_cost, export_variants

    weights = trained_weights(work)
    if weights is None:
        raise RuntimeError("no model to export: the train row did not leave one")
    project = work / "train"
    params, dataset = load_params(project / "params.yaml"), read_card(project / "data" / "prepared")
    names, device = read_model_card(weights.parent).names, resolve_device(params.project.device)
    test_yaml = stage_test_set(dataset, names, work / "exports" / "data")
    args = params.evaluate.ultralytics_args()
    evaluation, _ = evaluate_detector(weights, test_yaml, names, {**args, "device": device}, work / "exports" / "pt")
    variants, skipped_why = export_variants(True, True, True, device)
    if tiny:  # no row of its own, and int8 exports the float model on its way
        variants.pop("onnx")
    calibration = calibration_images(dataset, params.evaluate.export.calibration_images)
    exported = export_and_score(weights, test_yaml, args, device, work / "exports", variants, calibration)
    costs = export_cost(exported, evaluation.map50_95, evaluation.map50)
    rows = {}
    for label, name in (("export fp16", "onnx_half"), ("export int8", "onnx_int8")):
        if name in skipped_why:
            rows[label] = skipped(skipped_why[name])
            continue
        r = costs[name]
        where = f"{r['scored_on']['device']}, {r['scored_on']['provider']}"
        text = f"mAP50-95 {r['map50_95']:.3f} (cost {r['map50_95_cost']:+.3f}), {r['speed_ms']['inference']:.2f} ms"
        rows[label] = row(f"{text} ({where})", pytorch_map50_95=evaluation.map50_95, **r)
    return rows


def measure_pool(work: Path, tiny: bool) -> dict[str, dict[str, Any]]:
    from benchmarks.pool_scoring import measure, pool_images, weights_file
    from tasks.core import load_params, resolve_device
    from testkit.profiles import PROJECT_PARAMS

    size = POOL_TINY if tiny else POOL_GPU
    paths = pool_images(work / "pool", size["images"], size["imgsz"])
    trained = trained_weights(work)
    weights = trained or weights_file(None, work / "pool")
    params = load_params(PROJECT_PARAMS)
    section = params.mine.model_copy(update={"imgsz": size["imgsz"], "batch": size["batch"]})
    figures = measure(paths, weights, section, resolve_device(params.project.device))
    model = "the train row's model" if trained else "an untrained YOLOv8n"
    text = f"ratio {figures['ratio']:.3f} ({figures['scoring_ips']:.0f} vs {figures['predict_ips']:.0f} img/s)"
    return {"pool scoring vs predict": row(text, weights=model, imgsz=size["imgsz"], batch=size["batch"], **figures)}


def real_data_missing() -> str | None:
    from testkit.real_data import RealDataMissing, real_datasets

    try:
        real_datasets()
    except RealDataMissing as missing:
        return str(missing)
    return None


def measure_efficiency(work: Path, tiny: bool) -> dict[str, dict[str, Any]]:
    from benchmarks.label_efficiency import Benchmark, run_benchmark

    dataset, profile = efficiency_profile(tiny)
    if dataset != "builtin" and (missing := real_data_missing()):
        return {"label efficiency": skipped(missing)}
    name = "gpu-check tiny" if tiny else "gpu-check"
    chosen = Benchmark(dataset, profile, name, profile.repeats, profile.jobs, EFFICIENCY_ARMS, cold_start=0.0)
    shared = work / "train"  # tiny: the train row's project, prepared with this profile's params
    prepared = shared if tiny and (shared / "data" / "prepared").is_dir() else None
    summary, title, timing = run_benchmark(chosen, work / "efficiency", prepared)
    aulc = {arm: entry["aulc"]["mean"] for arm, entry in summary["arms"].items() if "aulc" in entry}
    text = ", ".join(f"{arm} {value:.4f}" for arm, value in aulc.items())
    project = "the train row's" if prepared else "its own"
    return {"label efficiency": row(f"AULC {text}", title=title, aulc=aulc, total_s=timing["total_s"], project=project)}


def measure_audit(work: Path, tiny: bool) -> dict[str, dict[str, Any]]:
    from benchmarks.label_audit import run

    if missing := real_data_missing():
        return {"label audit": skipped(missing)}
    options = argparse.Namespace(
        dataset="neu-det", profile="gpu-check", rate=0.05, seed=0, datasets=None, images=None, epochs=None
    )
    options.simulate = False
    report = run(options, AUDIT_TINY if tiny else AUDIT_GPU)
    audit = report["results"]["audit (out-of-fold, cleanlab + reasons)"]["10%"]["recall"]
    in_sample = report["results"]["mistakenness, in-sample"]["10%"]["recall"]
    text = f"recall in the top 10%: audit {audit:.2f}, in-sample mistakenness {in_sample:.2f}"
    return {"label audit": row(text, recall_audit=audit, recall_in_sample=in_sample, timings=report["timings"])}


def measure_device_tests(work: Path, tiny: bool) -> dict[str, dict[str, Any]]:
    """`pytest -m device`: the suite's tests that assert what must hold on the device they ran on."""
    command = [sys.executable, "-m", "pytest", "-m", "device", "-q", "-p", "no:cacheprovider", "-rfE", *NOT_ITSELF]
    done = subprocess.run(command, cwd=ROOT, env=project_env(), capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    summary = lines[-1].strip("= ") if lines else done.stderr.strip()[-300:]
    failed = [line.split(" ", 1)[1] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    result = row(summary, exit_code=done.returncode, failed=failed)
    if done.returncode != 0:
        result.update(status="failed", reason="; ".join(failed) or summary)
    return {"device tests": result}


PARTS = (
    Part("train", ("train stage vs yolo train",), 80, measure_train),
    Part("exports", ("export fp16", "export int8"), 45, measure_exports),
    Part("pool", ("pool scoring vs predict",), 40, measure_pool),
    Part("efficiency", ("label efficiency",), 70, measure_efficiency),
    Part("audit", ("label audit",), 70, measure_audit),
    # What is left, 235 s or more: on 2 busy CPU cores the device tests took 120 s (evaluate) and 250 s (the cluster's
    # servers, origin and two clone runs); their servers start faster on a GPU machine's 16 cores.
    Part(
        "device",
        ("device tests",),
        TOTAL_BUDGET_S,
        measure_device_tests,
        not_tiny="tiny mode: the device tests train models and start servers for minutes (run without --tiny on a GPU)",
    ),
)


def run_part(part: Part, tiny: bool, work: Path, budget_s: float) -> dict[str, dict[str, Any]]:
    """The part in a process of its own, killed (with its children) past `budget_s`; its rows, or each row
    with the error."""
    out = work / f"{part.name}.json"
    command = [sys.executable, "-m", "benchmarks.gpu_check", "--part", part.name, "--work", str(work)]
    log = work / f"{part.name}.log"
    started = time.perf_counter()
    with log.open("w") as written:
        child = subprocess.Popen(
            [*command, *(["--tiny"] if tiny else [])],
            cwd=ROOT,
            env=project_env(),
            stdout=written,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = child.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            code = None
    seconds = round(time.perf_counter() - started, 1)
    if code == 0 and out.is_file():
        return {name: {**found, "seconds": seconds} for name, found in json.loads(out.read_text()).items()}
    if code is None:
        reason = f"over its budget of {budget_s:.0f} s: stopped (log {log})"
        status = "over budget"
    else:
        tail = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
        reason = f"exit {code}: {tail[-1].strip() if tail else 'no output'} (log {log})"
        status = "failed"
    return {name: {"status": status, "figure": None, "reason": reason, "seconds": seconds} for name in part.rows}


class OverBudget(Exception):
    """A tiny part ran past its budget: the alarm stopped it."""


@contextlib.contextmanager
def alarm_after(seconds: float) -> Iterator[None]:
    """OverBudget raised in this (main) thread once `seconds` have passed, unless the block ended first."""

    def ring(signum: int, frame: Any) -> None:
        raise OverBudget(f"over its budget of {seconds:.0f} s: stopped")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(max(1, round(seconds)))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def output_to(log: Path) -> Iterator[None]:
    """This process's stdout and stderr into `log`, at the file descriptors (so libraries' and C code's too)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as written:
        os.dup2(written.fileno(), 1)
        os.dup2(written.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_part_here(part: Part, work: Path, budget_s: float) -> dict[str, dict[str, Any]]:
    """Tiny mode: the part in this process, its output in its log, stopped by an alarm past `budget_s`; its rows
    (with the wall seconds it took and the CPU seconds it used: on shared cores the wall time says little), or each
    row with the error."""
    log = work / f"{part.name}.log"
    started, cpu = time.perf_counter(), cpu_seconds()
    try:
        with output_to(log), alarm_after(budget_s):
            found = part.measure(work, True)
    except (Exception, SystemExit) as error:  # a failed part (benchmarks exit on a failed command) is a row
        status = "over budget" if isinstance(error, OverBudget) else "failed"
        found = {name: {"status": status, "figure": None, "reason": f"{type(error).__name__}: {error} (log {log})"}
                 for name in part.rows}  # fmt: skip
    spent = {"seconds": round(time.perf_counter() - started, 1), "cpu_s": round(cpu_seconds() - cpu, 1)}
    return {name: {**value, **spent} for name, value in found.items()}


def device_name() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"


def print_table(report: dict[str, Any]) -> None:
    load = "/".join(f"{x:.1f}" for x in report["load"])
    head = f"{report['total_s']:.0f} s, {report['cpu_s']:.0f} CPU s, load {load} (1/5/15 min)"
    print(f"gpu check ({report['mode']}) on {report['device']}: {head}")
    width = max(len(name) for name in report["rows"])
    print(f"{'figure':{width}s}  {'status':11s}  {'s':>6s}  {'CPU s':>6s}  value or reason")
    for name, found in report["rows"].items():
        text = found["figure"] if found["status"] == "ok" else found.get("reason", "")
        cpu = f"{found['cpu_s']:6.1f}" if "cpu_s" in found else f"{'':6s}"
        print(f"{name:{width}s}  {found['status']:11s}  {found.get('seconds', 0):6.1f}  {cpu}  {text}")


def part_rows(part: Part, tiny: bool, work: Path, left_s: float) -> dict[str, dict[str, Any]]:
    """The part's rows: measured within its budget (or what is left of the total), or skipped, saying why."""
    if tiny and part.not_tiny:
        return {name: skipped(part.not_tiny) for name in part.rows}
    budget = min(TINY_PART_S if tiny else part.budget_s, left_s)
    if budget < 5:
        return {name: skipped("no time left of the check's total budget") for name in part.rows}
    return run_part_here(part, work, budget) if tiny else run_part(part, tiny, work, budget)


def check(tiny: bool, out: Path) -> dict[str, Any]:
    """Every part in turn within the total budget; the report, printed and written to `out`."""
    from tasks.orchestration import serving

    started, cpu = time.perf_counter(), cpu_seconds()
    work = Path(tempfile.mkdtemp(prefix="yoloop-gpu-check-"))
    total = TINY_TOTAL_S if tiny else TOTAL_BUDGET_S

    def left_s() -> float:
        return total - (time.perf_counter() - started)

    rows: dict[str, dict[str, Any]] = {}
    # On the GPU, one Prefect server for every stage the parts run (each would start its own). Tiny, only the
    # train row runs stages, and benchmarks/train_overhead.py serves them for as long as they run.
    with contextlib.nullcontext() if tiny else serving():
        for part in PARTS:
            rows |= part_rows(part, tiny, work, left_s())
    report = {
        "mode": "tiny" if tiny else "gpu",
        "device": device_name(),
        "total_s": round(time.perf_counter() - started, 1),
        "cpu_s": round(cpu_seconds() - cpu, 1),  # this process and the ones it started
        "load": [round(x, 2) for x in os.getloadavg()],  # at the end: 1, 5, 15 minutes
        "work": str(work),
        "rows": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print_table(report)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="every part shrunk (the default without a CUDA device)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the JSON table (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--part", choices=[p.name for p in PARTS], help=argparse.SUPPRESS)  # a part's own process
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    import torch

    tiny = options.tiny or not torch.cuda.is_available()
    if options.part:
        part = next(p for p in PARTS if p.name == options.part)
        rows = part.measure(options.work, tiny)
        (options.work / f"{part.name}.json").write_text(json.dumps(rows, indent=2, default=str) + "\n")
        return 0
    check(tiny, options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
