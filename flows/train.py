"""Stage `train`: a detector from `train.model` (a model yaml: from scratch; or pretrained weights, resolved first by
tasks/train/model_spec.py) on a subset of the prepared data."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.steps.train import stage_training_set_task, train_detector_task
from tasks.core import Layout, Params, read_card, resolve_device
from tasks.orchestration import stage_main
from tasks.train import TrainingStart, resolve_start, tracked_training, ultralytics_args


@flow(name="train")
def train_flow(params: Params, root: Path) -> dict:
    """Stage the data, train, publish the weights, and track the run in MLflow."""
    section, layout = params.train, Layout(root)
    work = layout.fresh_scratch("train")
    model = resolve_start(section.model, "train.model", params.project, root, work / "start")  # before any work
    dataset = read_card(layout.prepared)
    data_yaml = stage_training_set_task(dataset, section.data, work / "data")
    args = ultralytics_args(section, resolve_device(params.project.device), params.project.seed)
    start = TrainingStart(
        model.model, args, {"start": section.model, "data": section.data, "transfers_since_scratch": 0}
    )
    logged = section.model_dump()
    return tracked_training(params, layout, "train", logged, start, data_yaml, dataset.names, train=train_detector_task)


if __name__ == "__main__":
    stage_main(train_flow)
