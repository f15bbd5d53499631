"""Stage `train`: a detector from scratch (a model yaml) on a subset of the prepared data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows.stage import main
from tasks.core.paths import METRICS, PREPARED, REPORTS, fresh_scratch, model_dir
from tasks.core.prepared import read_card, stage_training_set
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.core.yolo_files import write_json
from tasks.ops import tracking
from tasks.train.checkpoints import run_fingerprint, run_folder
from tasks.train.fit import Callback, epoch_metrics, save_model, save_training_report, train_detector, ultralytics_args

stage_training_set_task = as_task(stage_training_set)
# A failed attempt (a lost device, a torn file) is retried and resumes from its last checkpoint.
train_detector_task = as_task(train_detector, retries=1)


def log_epoch(trainer) -> None:
    tracking.log_metrics(epoch_metrics(trainer), step=trainer.epoch)


def tracked_training(
    params: Params,
    stage: str,
    logged: dict[str, Any],
    model: str,
    data_yaml: Path,
    args: dict[str, Any],
    card: dict[str, Any],
    callbacks: dict[str, list[Callback]] | None = None,
) -> dict:
    """Train in an MLflow run, register the weights, publish models/<stage> and metrics/<stage>.json.

    Shared by every stage that trains (train, transfer), so each is tracked and published the same way.
    The run folder is named by a fingerprint of model, arguments and data: a rerun after a crash
    resumes from its last checkpoint (tasks/train/checkpoints.py).
    """
    run_dir = run_folder(stage, run_fingerprint(model, args, data_yaml.parent))
    events = {**(callbacks or {}), "on_fit_epoch_end": [log_epoch, *(callbacks or {}).get("on_fit_epoch_end", [])]}
    with tracking.stage_run(params.tracking, stage, logged, str(PREPARED)) as run:
        outcome = train_detector_task(model, data_yaml, args, run_dir, callbacks=events)
        version = tracking.register_weights(outcome.weights, params.tracking, outcome.names)
        lineage = {"yoloop.stage": stage, "transfers_since_scratch": card.get("transfers_since_scratch", 0)}
        tracking.tag_model_version(params.tracking, version, lineage)
        card = {"stage": stage, **card, "mlflow_run_id": run.info.run_id, "model_version": version}
        save_model(outcome, model_dir(stage), card)
        tracking.log_artifacts(save_training_report(outcome, REPORTS / stage))
        summary = {
            "epochs": outcome.epochs,
            "images_seen": outcome.images_seen,
            "wall_s": round(outcome.wall_s, 2),
            "device": outcome.device,
            **outcome.extra,
            **{tracking.metric_name(k): v for k, v in outcome.metrics.items()},
        }
        tracking.log_metrics({"wall_s": outcome.wall_s, "images_seen": outcome.images_seen})
    write_json(METRICS / f"{stage}.json", summary)
    return summary


@flow(name="train")
def train_flow(params: Params) -> dict:
    """Stage the data, train, publish the weights, and track the run in MLflow."""
    section = params.train
    dataset = read_card(PREPARED)
    data_yaml = stage_training_set_task(dataset, section.data, fresh_scratch("train") / "data")
    args = ultralytics_args(section, resolve_device(params.project.device), params.project.seed)
    card = {"start": section.model, "data": section.data, "transfers_since_scratch": 0}
    return tracked_training(params, "train", section.model_dump(), section.model, data_yaml, args, card)


if __name__ == "__main__":
    main(train_flow)
