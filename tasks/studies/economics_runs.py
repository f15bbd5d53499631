"""The economics study's design: which four models to train, how each is measured, what the report holds.

A: scratch on the base classes; B: A transferred to the new data only; C: A transferred to all
data; D: scratch on all data. Transfers start exactly as the transfer stage starts
(tasks/train/transfer_start.py); every model is scored on the same test split and priced by its
device time. `train` and `evaluate` are train_detector / evaluate_detector or the flow's Prefect
tasks over them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.core.prepared import PreparedDataset, stage_test_set, stage_training_set
from tasks.core.runtime import resolve_device
from tasks.core.schema import Params
from tasks.evaluate.forgetting import ap_by_class, check_forgetting
from tasks.evaluate.validate import evaluate_detector, validation_args
from tasks.studies.economics import EXPERIMENTS, Experiment, device_cost, economics_report, recommend
from tasks.train.fit import TrainOutcome, train_detector, ultralytics_args
from tasks.train.transfer import plan_next_training, stage_transfer_set
from tasks.train.transfer_start import transfer_start

EXPERIMENT_DATA = {"A": "base", "B": "new_only", "C": "all", "D": "all"}
Trainer = Callable[..., TrainOutcome]
Evaluator = Callable[..., tuple[Any, Any]]


def train_scratch(params: Params, dataset: PreparedDataset, data: str, work: Path, train: Trainer) -> TrainOutcome:
    args = ultralytics_args(params.train, resolve_device(params.project.device), params.project.seed)
    data_yaml = stage_training_set(dataset, data, work / "data")
    return train(params.train.model, data_yaml, args, work / "run")


def train_transfer(
    params: Params, dataset: PreparedDataset, weights: Path, data: str, work: Path, train: Trainer
) -> TrainOutcome:
    section, device, seed = params.transfer, resolve_device(params.project.device), params.project.seed
    data_yaml = stage_transfer_set(dataset, data, section.replay, seed, work / "data")
    start = transfer_start(weights, dataset.names, section, device, seed, work)
    return train(start.model, data_yaml, start.args, work / "run", start.callbacks)


def train_experiments(
    params: Params, dataset: PreparedDataset, work: Path, train: Trainer = train_detector
) -> dict[str, TrainOutcome]:
    """A, then B and C from A's weights, then D."""
    outcomes = {"A": train_scratch(params, dataset, EXPERIMENT_DATA["A"], work / "A", train)}
    for name in "BC":
        outcomes[name] = train_transfer(
            params, dataset, outcomes["A"].weights, EXPERIMENT_DATA[name], work / name, train
        )
    outcomes["D"] = train_scratch(params, dataset, EXPERIMENT_DATA["D"], work / "D", train)
    return outcomes


def measure(
    params: Params,
    dataset: PreparedDataset,
    name: str,
    outcome: TrainOutcome,
    work: Path,
    evaluate: Evaluator = evaluate_detector,
) -> Experiment:
    """Evaluate one experiment's model on the shared test split and price its training."""
    test_yaml = stage_test_set(dataset, outcome.names, work / "test")
    evaluation, _ = evaluate(outcome.weights, test_yaml, dataset.names, validation_args(params), work / "val")
    device_s = round(outcome.wall_s, 2)  # one device, busy for the whole run
    return Experiment(
        name=name,
        description=EXPERIMENTS[name],
        start="A" if name in "BC" else params.train.model,
        data=EXPERIMENT_DATA[name],
        epochs=outcome.epochs,
        images_seen=outcome.images_seen,
        wall_s=device_s,
        device_s=device_s,
        cost=device_cost(device_s, params.economics.price_per_device_hour),
        map50_95=evaluation.map50_95,
        per_class=ap_by_class(evaluation.per_class),
    )


def economics_study(
    params: Params, dataset: PreparedDataset, rows: dict[str, Experiment], device: str, lineage: int
) -> dict[str, Any]:
    """Flag B's and C's forgetting against A, recommend, and the report with the settings it used."""
    tolerance = params.forgetting.tolerance
    flags = {n: check_forgetting(rows["A"].per_class, rows[n].per_class, dataset.base_classes, tolerance) for n in "BC"}
    for name, found in flags.items():
        rows[name].forgetting = [flag.to_json() for flag in found]
    plan = plan_next_training(lineage, params.transfer.retrain_every)
    recommendation = recommend(rows, flags["C"], params.economics.quality_floor, plan)
    settings = {
        **params.economics.model_dump(),
        "tolerance": tolerance,
        "retrain_every": params.transfer.retrain_every,
        "transfers_since_scratch": lineage,
        "strategy": params.transfer.strategy,
        "old_classes": dataset.base_classes,
        "new_classes": dataset.new_classes,
        "test_images": len(list((dataset.root / "test" / "images").glob("*"))),
        "device": device,
    }
    return economics_report(rows, recommendation, settings)


def experiment_metrics(rows: dict[str, Experiment]) -> dict[str, float]:
    """<experiment>_map50_95 and <experiment>_device_s, for the study's MLflow run."""
    return {f"{n}_{k}": getattr(r, k) for n, r in rows.items() for k in ("map50_95", "device_s")}
