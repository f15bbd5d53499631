"""The tracked training every training stage shares (train, transfer): one MLflow run, one registered
version, and the published model in models/<stage> with its card, metrics/<stage>.json (the headline
validation accuracy, tasks/core/headline.py) and metrics/<stage>_details.json (the whole summary).

The run folder is named by a fingerprint of the start, the arguments and the data: a rerun after a
crash resumes from its last checkpoint (tasks/train/checkpoints.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.core.headline import details_file, training_headline
from tasks.core.paths import Layout
from tasks.core.schema import Params
from tasks.core.yolo_files import write_json
from tasks.ops import tracking
from tasks.train.checkpoints import run_fingerprint, run_folder
from tasks.train.fit import Callback, TrainOutcome, epoch_metrics, save_model, save_training_report, train_detector
from tasks.train.tracking_sidecar import TrackingSidecar, sidecar_run

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
        **{tracking.metric_name(k): v for k, v in outcome.metrics.items()},
    }


def register_and_publish(
    layout: Layout, stage: str, outcome: TrainOutcome, card: dict, tracked: TrackingSidecar, registered_model: str
) -> None:
    """Register the weights, tag the version with its lineage, publish models/<stage> with the card saying where."""
    lineage = {"yoloop.stage": stage, "transfers_since_scratch": card.get("transfers_since_scratch", 0)}
    version = tracked.register(outcome.weights, outcome.names, lineage)
    registered = {"registered_model": registered_model, "model_version": version}
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
    """Train `start` on `data_yaml` (of `classes`) in an MLflow run kept by a process beside the training (which
    first checks that the champion knows `classes`), register and publish the model; return the summary."""
    run_dir = run_folder(layout.runs / stage, run_fingerprint(start.model, start.args, data_yaml.parent))
    with sidecar_run(params.tracking, stage, logged, layout, classes) as tracked:

        def log_epoch(trainer: Any) -> None:
            tracked.log_metrics(epoch_metrics(trainer), step=trainer.epoch)

        events = {
            **start.callbacks,
            "on_train_batch_end": [tracked.stop_if_failed, *start.callbacks.get("on_train_batch_end", [])],
            "on_train_epoch_end": [tracked.wait_until_open, *start.callbacks.get("on_train_epoch_end", [])],
            "on_fit_epoch_end": [log_epoch, *start.callbacks.get("on_fit_epoch_end", [])],
        }
        outcome = train(start.model, data_yaml, start.args, run_dir, callbacks=events)
        card = {**start.card, "mlflow_run_id": tracked.run_id()}
        register_and_publish(layout, stage, outcome, card, tracked, params.tracking.registered_model)
        tracked.log_artifacts(save_training_report(outcome, layout.reports / stage))
        tracked.log_metrics({"wall_s": outcome.wall_s, "images_seen": outcome.images_seen})
    summary = training_summary(outcome)
    write_json(details_file(layout.metrics, stage), summary)
    write_json(layout.metrics / f"{stage}.json", training_headline(outcome.metrics))
    return summary
