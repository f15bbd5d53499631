"""A training stage's MLflow run (tasks/train/tracked.py over tasks/tracking/), on a real store.

What a training logs lands in the project's store, owned by the stage's process; a stage that fails
ends its run FAILED with its own error; a champion of other classes stops the training before it starts,
with the lines, and no run is opened.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tasks.core import InputError, Layout, TrackingParams
from tasks.tracking import log_artifacts, log_metrics, register_weights, stage_run, tag_model_version
from tasks.train import TrainingStart, tracked_training

pytestmark = pytest.mark.slow


def stage_runs(project) -> list:
    client = project.mlflow()
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments, "tags.`yoloop.stage` = 'train'")


def test_what_a_training_asks_lands_in_the_store_and_the_run_ends_finished(make_project):
    project = make_project()
    weights, report = project.root / "best.pt", project.root / "results.csv"
    weights.write_bytes(b"weights")
    report.write_text("epoch,time\n1,2.0\n")
    tracking = TrackingParams()
    with stage_run(tracking, "train", {"epochs": 3}, Layout(project.root)) as run:
        log_metrics({"metrics/mAP50(B)": np.float32(0.5)}, step=0, run_id=run.info.run_id)
        version = register_weights(weights, tracking, ["ring"])
        tag_model_version(tracking, version, {"yoloop.stage": "train", "transfers_since_scratch": 0})
        log_artifacts([report])
        run_id = run.info.run_id
    client = project.mlflow()
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.params["train.epochs"] == "3"
    assert run.data.metrics["metrics/mAP50_B"] == 0.5 and run.data.tags["yoloop.pid"] == str(os.getpid())
    assert run.data.tags["yoloop.registered_model"] == tracking.registered_model, "whose history the run is part of"
    registered = client.get_model_version(TrackingParams().registered_model, version)
    assert registered.run_id == run_id and registered.tags["yoloop.stage"] == "train"
    assert [a.path for a in client.list_artifacts(run_id) if a.path == "results.csv"] == ["results.csv"]


def test_a_stage_that_fails_ends_its_run_failed_with_its_own_error(make_project):
    project = make_project()
    layout = Layout(project.root)
    with pytest.raises(ZeroDivisionError), stage_run(TrackingParams(), "train", {}, layout):
        _ = 1 / 0
    (run,) = stage_runs(project)
    assert run.info.status == "FAILED"


def test_a_champion_of_other_classes_stops_the_training_before_it_starts_with_the_lines(make_project):
    project = make_project()
    project.register_champion("fruit-detector", ["apple", "pear"])
    params = project.params().model_copy(update={"tracking": TrackingParams(registered_model="fruit-detector")})
    start = TrainingStart("yolov8n.yaml", {}, {})

    def never_trains(*_args, **_kwargs):
        raise AssertionError("trained although the champion knows none of the classes")

    data_yaml = project.root / "data.yaml"
    with pytest.raises(InputError) as stopped:
        tracked_training(params, Layout(project.root), "train", {}, start, data_yaml, ["ring"], train=never_trains)
    assert stopped.value.lines[0].startswith("params.yaml: tracking.registered_model: the champion of 'fruit-detector'")
    assert not stage_runs(project), "no run is opened for a stage that may not train"
