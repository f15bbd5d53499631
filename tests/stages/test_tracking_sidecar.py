"""The MLflow sidecar of a training stage (tasks/train/tracking_sidecar.py), a real process on a real store.

What a training asks of it lands in the project's store; what it raises reaches the stage with its lines;
it dies with its stage, and a dead sidecar is named, not waited for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tasks.core.errors import InputError
from tasks.core.paths import Layout
from tasks.core.schema import TrackingParams
from tasks.ops.local_process import running
from tasks.train.tracking_sidecar import SidecarFailed, sidecar_run
from testkit.processes import project_env
from testkit.waiting import wait_for

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
    with sidecar_run(TrackingParams(), "train", {"epochs": 3}, Layout(project.root), ["ring"]) as tracked:
        tracked.log_metrics({"metrics/mAP50(B)": np.float32(0.5)}, step=0)
        version = tracked.register(weights, ["ring"], {"yoloop.stage": "train", "transfers_since_scratch": 0})
        tracked.log_artifacts([report])
        run_id = tracked.run_id()
    assert tracked.process.returncode == 0
    client = project.mlflow()
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED" and run.data.params["train.epochs"] == "3"
    assert run.data.metrics["metrics/mAP50_B"] == 0.5 and run.data.tags["yoloop.pid"] == str(os.getpid())
    registered = client.get_model_version(TrackingParams().registered_model, version)
    assert registered.run_id == run_id and registered.tags["yoloop.stage"] == "train"
    assert [a.path for a in client.list_artifacts(run_id) if a.path == "results.csv"] == ["results.csv"]


def test_a_stage_that_fails_ends_its_run_failed_with_its_own_error(make_project):
    project = make_project()
    layout = Layout(project.root)
    with pytest.raises(ZeroDivisionError), sidecar_run(TrackingParams(), "train", {}, layout, ["ring"]) as tracked:
        tracked.run_id()
        _ = 1 / 0
    (run,) = stage_runs(project)
    assert run.info.status == "FAILED" and tracked.process.returncode == 0


def test_a_champion_of_other_classes_stops_the_training_at_its_next_batch_with_the_lines(make_project):
    project = make_project()
    project.register_champion("fruit-detector", ["apple", "pear"])
    tracking = TrackingParams(registered_model="fruit-detector")
    with (
        pytest.raises(InputError) as stopped,
        sidecar_run(tracking, "train", {}, Layout(project.root), ["ring"]) as tracked,
    ):
        wait_for(lambda: tracked.stop_if_failed() or False, 120, "the opening's answer")
    assert stopped.value.lines[0].startswith("params.yaml: tracking.registered_model: the champion of 'fruit-detector'")
    assert not stage_runs(project), "no run is opened for a stage that may not train"
    assert tracked.process.returncode == 0


def test_a_dead_sidecar_is_named_and_the_stage_does_not_wait(make_project):
    project = make_project()
    layout = Layout(project.root)
    with (
        pytest.raises(SidecarFailed) as failed,
        sidecar_run(TrackingParams(), "train", {}, layout, ["ring"]) as tracked,
    ):
        tracked.run_id()
        os.kill(tracked.process.pid, signal.SIGKILL)
        tracked.process.wait()
        tracked.log_metrics({"loss": 1.0}, step=0)
    assert str(failed.value) == f"the MLflow sidecar (pid {tracked.process.pid}) exited with -9"


def test_the_sidecar_dies_with_its_stage(make_project):
    project = make_project()
    stage = textwrap.dedent(
        """
        import sys, time
        from tasks.core.paths import Layout
        from tasks.core.schema import TrackingParams
        from tasks.train.tracking_sidecar import sidecar_run

        with sidecar_run(TrackingParams(), "train", {}, Layout("."), ["ring"]) as tracked:
            tracked.run_id()
            print(tracked.process.pid, flush=True)
            time.sleep(600)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", stage], cwd=project.root, env=project_env(), stdout=subprocess.PIPE, text=True
    )
    sidecar = int(process.stdout.readline())
    assert running(sidecar)
    process.kill()
    process.wait()
    wait_for(lambda: not running(sidecar), 30, "the sidecar to die with its stage")
