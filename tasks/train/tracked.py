"""The tracked training every training stage shares (train, transfer): one MLflow run, one registered
version, and the published model in models/<stage> with its card, metrics/<stage>.json (the headline
validation accuracy, tasks/core/headline.py) and metrics/<stage>_details.json (the whole summary).

Before any training, and before the run opens, the champion of `tracking.registered_model` must know
some of the dataset's classes (tasks/tracking/registry.py: `check_champion_classes`): a stage that may not
train stops with nothing trained, kept or logged. The run folder is named by a fingerprint of the start, the
arguments and the data: a rerun after a crash resumes from its last checkpoint (tasks/train/checkpoints.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.core import Layout, Params, details_file, training_headline, write_json
from tasks.tracking import (
    check_champion_classes,
    log_artifacts,
    log_metrics,
    metric_name,
    register_weights,
    stage_run,
    tag_model_version,
)
from tasks.train.checkpoints import run_fingerprint, run_folder
from tasks.train.fit import Callback, TrainOutcome, epoch_metrics, save_model, save_training_report, train_detector

Trainer = Callable[..., TrainOutcome]  # train_detector, or the Prefect task over it


@dataclass(frozen=True)
class TrainingStart:
    """What a stage trains from: the model (a yaml or a .pt), its Ultralytics arguments and callbacks,
    and what the model card says about the start."""

    model: str
    args: dict[str, Any]
    card: dict[str, Any]
    callbacks: dict[str, list[Callback]] = field(default_factory=dict)


def training_summary(outcome: TrainOutcome) -> dict[str, Any]:
    """metrics/<stage>_details.json: what the training did and cost, and the final validation metrics."""
    return {
        "epochs": outcome.epochs,
        "images_seen": outcome.images_seen,
        "wall_s": round(outcome.wall_s, 2),
        "device": outcome.device,
        **outcome.extra,
        **{metric_name(k): v for k, v in outcome.metrics.items()},
    }


def register_and_publish(params: Params, layout: Layout, stage: str, outcome: TrainOutcome, card: dict) -> None:
    """Register the weights, tag the version with its lineage, publish models/<stage> with the card saying where."""
    version = register_weights(outcome.weights, params.tracking, outcome.names)
    lineage = {"yoloop.stage": stage, "transfers_since_scratch": card.get("transfers_since_scratch", 0)}
    tag_model_version(params.tracking, version, lineage)
    registered = {"registered_model": params.tracking.registered_model, "model_version": version}
    save_model(outcome, layout.model_dir(stage), {"stage": stage, **card, **registered})


def tracked_training(
    params: Params,
    layout: Layout,
    stage: str,
    logged: dict[str, Any],
    start: TrainingStart,
    data_yaml: Path,
    classes: list[str],
    train: Trainer = train_detector,
) -> dict:
    """Check that the champion knows some of `classes`, then train `start` on `data_yaml` in an MLflow run (the
    metrics of every epoch logged), register and publish the model; return the summary."""
    check_champion_classes(params.tracking, classes)
    run_dir = run_folder(layout.runs / stage, run_fingerprint(start.model, start.args, data_yaml.parent))
    with stage_run(params.tracking, stage, logged, layout) as run:

        def log_epoch(trainer: Any) -> None:
            log_metrics(epoch_metrics(trainer), step=trainer.epoch, run_id=run.info.run_id)

        events = {**start.callbacks, "on_fit_epoch_end": [log_epoch, *start.callbacks.get("on_fit_epoch_end", [])]}
        outcome = train(start.model, data_yaml, start.args, run_dir, callbacks=events)
        register_and_publish(params, layout, stage, outcome, {**start.card, "mlflow_run_id": run.info.run_id})
        log_artifacts(save_training_report(outcome, layout.reports / stage))
        log_metrics({"wall_s": outcome.wall_s, "images_seen": outcome.images_seen})
    summary = training_summary(outcome)
    write_json(details_file(layout.metrics, stage), summary)
    write_json(layout.metrics / f"{stage}.json", training_headline(outcome.metrics))
    return summary
