"""`yoloop economics`: the four experiments (A scratch base, B A->new, C A->all, D scratch all) and the report.

Not a DVC stage (it trains four models); run it when new classes arrive to decide between
a transfer now and a retrain from scratch. Writes reports/economics/{report.md,report.json,per_class.png}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows.stage import main
from tasks.core.paths import PREPARED, REPORTS, fresh_scratch
from tasks.core.prepared import PreparedDataset, read_card, stage_test_set, stage_training_set
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.core.yolo_files import atomic_dir, write_json
from tasks.evaluate.forgetting import ap_by_class, check_forgetting
from tasks.evaluate.validate import evaluate_detector
from tasks.ops import tracking
from tasks.studies.economics import (
    EXPERIMENTS,
    Experiment,
    device_cost,
    economics_report,
    plan_next_training,
    recommend,
)
from tasks.studies.economics_report import plot_per_class, render_markdown
from tasks.train.fit import TrainOutcome, train_detector, ultralytics_args
from tasks.train.transfer import current_lineage, frozen_layers, keep_frozen_bn, layer_count, stage_transfer_set
from tasks.train.widen_head import write_start_checkpoint

train_detector_task = as_task(train_detector)
evaluate_detector_task = as_task(evaluate_detector)


def run_scratch(params: Params, dataset: PreparedDataset, data: str, work: Path) -> TrainOutcome:
    args = ultralytics_args(params.train, resolve_device(params.project.device), params.project.seed)
    data_yaml = stage_training_set(dataset, data, work / "data")
    return train_detector_task(params.train.model, data_yaml, args, work / "run")


def run_transfer(params: Params, dataset: PreparedDataset, start: Path, data: str, work: Path) -> TrainOutcome:
    section = params.transfer
    args = ultralytics_args(section, resolve_device(params.project.device), params.project.seed)
    data_yaml = stage_transfer_set(dataset, data, section.replay, params.project.seed, work / "data")
    weights, _ = write_start_checkpoint(start, dataset.names, work / "start.pt")
    frozen = frozen_layers(section.strategy, section.freeze, layer_count(weights))
    callbacks = {"on_train_batch_start": [keep_frozen_bn(frozen)]} if frozen else {}
    return train_detector_task(str(weights), data_yaml, {**args, "freeze": frozen or None}, work / "run", callbacks)


def measure(params: Params, dataset: PreparedDataset, name: str, outcome: TrainOutcome, work: Path) -> Experiment:
    """Evaluate one experiment's model on the shared test split and price its training."""
    test_yaml = stage_test_set(dataset, outcome.names, work / "test")
    args = {**params.evaluate.ultralytics_args(), "device": resolve_device(params.project.device)}
    evaluation, _ = evaluate_detector_task(outcome.weights, test_yaml, dataset.names, args, work / "val")
    device_s = round(outcome.wall_s, 2)  # one device, busy for the whole run
    return Experiment(
        name=name,
        description=EXPERIMENTS[name],
        start="A" if name in "BC" else params.train.model,
        data={"A": "base", "B": "new_only", "C": "all", "D": "all"}[name],
        epochs=outcome.epochs,
        images_seen=outcome.images_seen,
        wall_s=device_s,
        device_s=device_s,
        cost=device_cost(device_s, params.economics.price_per_device_hour),
        map50_95=evaluation.map50_95,
        per_class=ap_by_class(evaluation.per_class),
    )


@flow(name="economics")
def economics_flow(params: Params, out: Path = REPORTS / "economics") -> dict[str, Any]:
    """Train A, B, C, D; evaluate each on the same test split; flag forgetting; write the report."""
    dataset = read_card(PREPARED)
    work = fresh_scratch("economics")
    outcomes = {"A": run_scratch(params, dataset, "base", work / "A")}
    outcomes["B"] = run_transfer(params, dataset, outcomes["A"].weights, "new_only", work / "B")
    outcomes["C"] = run_transfer(params, dataset, outcomes["A"].weights, "all", work / "C")
    outcomes["D"] = run_scratch(params, dataset, "all", work / "D")
    rows = {name: measure(params, dataset, name, outcome, work / name) for name, outcome in outcomes.items()}
    tolerance = params.forgetting.tolerance
    flags = {n: check_forgetting(rows["A"].per_class, rows[n].per_class, dataset.base_classes, tolerance) for n in "BC"}
    for name, found in flags.items():
        rows[name].forgetting = [flag.to_json() for flag in found]
    plan = plan_next_training(current_lineage(), params.transfer.retrain_every)
    recommendation = recommend(rows, flags["C"], params.economics.quality_floor, plan)
    settings = {
        **params.economics.model_dump(),
        "tolerance": tolerance,
        "retrain_every": params.transfer.retrain_every,
        "transfers_since_scratch": current_lineage(),
        "strategy": params.transfer.strategy,
        "old_classes": dataset.base_classes,
        "new_classes": dataset.new_classes,
        "test_images": len(list((dataset.root / "test" / "images").glob("*"))),
        "device": outcomes["A"].device,
    }
    report = economics_report(rows, recommendation, settings)
    with atomic_dir(out) as staging:
        write_json(staging / "report.json", report)
        (staging / "report.md").write_text(render_markdown(report))
        plot_per_class(report, staging / "per_class.png")
    with tracking.stage_run(params.tracking, "economics", settings, str(PREPARED)):
        tracking.log_metrics({f"{n}_{k}": getattr(r, k) for n, r in rows.items() for k in ("map50_95", "device_s")})
        tracking.log_artifacts([out / "report.md", out / "report.json", out / "per_class.png"])
    return report


if __name__ == "__main__":
    main(economics_flow)
