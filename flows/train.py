"""Stage `train`: a detector from scratch (a model yaml) on a subset of the prepared data."""

from __future__ import annotations

from prefect import flow

from flows.stage import main
from tasks import tracking
from tasks.checkpoints import run_fingerprint, run_folder
from tasks.datasets import read_card, stage_training_set
from tasks.params_schema import Params
from tasks.paths import METRICS, PREPARED, REPORTS, fresh_scratch, model_dir
from tasks.runtime import as_task, resolve_device
from tasks.train import epoch_metrics, save_model, save_training_report, train_detector, ultralytics_args
from tasks.yolo_files import write_json

stage_training_set_task = as_task(stage_training_set)
# A failed attempt (a lost device, a torn file) is retried and resumes from its last checkpoint.
train_detector_task = as_task(train_detector, retries=1)


def log_epoch(trainer) -> None:
    tracking.log_metrics(epoch_metrics(trainer), step=trainer.epoch)


@flow(name="train")
def train_flow(params: Params) -> dict:
    """Stage the data, train, publish the weights, and track the run in MLflow."""
    section = params.train
    dataset = read_card(PREPARED)
    data_yaml = stage_training_set_task(dataset, section.data, fresh_scratch("train") / "data")
    args = ultralytics_args(section, resolve_device(params.project.device), params.project.seed)
    run_dir = run_folder("train", run_fingerprint(section.model, args, data_yaml.parent))
    with tracking.stage_run(params.tracking, "train", section.model_dump(), str(PREPARED)) as run:
        outcome = train_detector_task(
            section.model, data_yaml, args, run_dir, callbacks={"on_fit_epoch_end": [log_epoch]}
        )
        version = tracking.register_weights(outcome.weights, params.tracking, outcome.names)
        card = {
            "stage": "train",
            "start": section.model,
            "data": section.data,
            "mlflow_run_id": run.info.run_id,
            "model_version": version,
        }
        save_model(outcome, model_dir("train"), card)
        tracking.log_artifacts(save_training_report(outcome, REPORTS / "train"))
        summary = {
            "epochs": outcome.epochs,
            "images_seen": outcome.images_seen,
            "wall_s": round(outcome.wall_s, 2),
            "device": outcome.device,
            **outcome.extra,
            **{tracking.metric_name(k): v for k, v in outcome.metrics.items()},
        }
        tracking.log_metrics({"wall_s": outcome.wall_s, "images_seen": outcome.images_seen})
    write_json(METRICS / "train.json", summary)
    return summary


if __name__ == "__main__":
    main(train_flow)
