"""One active-learning round with people, as the deployment runs it: mine, pause, labels in, repro."""

from __future__ import annotations

import threading

import pytest
import yaml

from testkit.processes import project_env
from testkit.profiles import TINY
from tests.flows.paused import paused_run
from tests.relabel_batch import ONE_STAR, returned_labels

pytestmark = pytest.mark.slow


def test_round_pauses_for_labels_then_trains_on_them_and_mines_the_next_batch(
    reproduced_repo, tmp_path, prefect_harness, monkeypatch
):
    from prefect.flow_runs import resume_flow_run
    from prefect.types import DateTime

    from flows.active_learning import labelling_round_flow

    project = reproduced_repo.project.copy_to(tmp_path / "repo", own_names=False)  # round 1 handed out: mine is done
    repo = project.enter(monkeypatch).root
    for key in ("PATH", "PYTHONPATH"):  # the flow runs DVC, which runs the stages with this checkout's code
        monkeypatch.setenv(key, project_env()[key])
    outcome: dict = {}
    started = DateTime.now("UTC")
    run_round = lambda: outcome.update(lock=labelling_round_flow(str(repo), push=False, timeout_s=900))  # noqa: E731
    worker = threading.Thread(target=run_round, daemon=True)
    worker.start()
    run = paused_run("active-learning-round", started, timeout_s=900)
    batch = repo / "data/relabel/round-1"
    assert len(list((batch / "images").iterdir())) == TINY["mine"]["k"]
    returned = tmp_path / "returned"
    corrected = returned_labels(batch, returned)[0]
    corrected.write_text(ONE_STAR)
    resume_flow_run(run.id, run_input={"labels_dir": str(returned)})
    worker.join(timeout=1200)

    assert not worker.is_alive() and "lock" in outcome, "the round did not finish"
    assert (repo / "data/labels/round-1.dvc").exists()
    assert (repo / "data/prepared/new/labels/train" / corrected.name).read_text() == corrected.read_text()
    assert yaml.safe_load((repo / "params.yaml").read_text())["mine"]["round"] == 2
    assert (repo / "data/relabel/round-2/batch.json").exists(), "the next batch is ready"
    assert "data/relabel/round-2" in outcome["lock"]
