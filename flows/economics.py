"""`yoloop economics`: the four experiments (A scratch base, B A->new, C A->all, D scratch all) and the report.

Not a DVC stage (it trains four models); run it when new classes arrive to decide between
a transfer now and a retrain from scratch. Writes reports/economics/{report.md,report.json,per_class.png}.
The experiments' design lives in tasks/studies/economics.py. With `economics.jobs: 2`, D trains
in a process of its own (a Prefect task run like the others) while A, B and C train here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows.steps.evaluate import evaluate_detector_task
from flows.steps.train import train_detector_in_process_task, train_detector_task
from tasks.core import Layout, Params, read_card
from tasks.orchestration import stage_main
from tasks.studies import economics_study, experiment_metrics, measure, train_experiments, write_economics_report
from tasks.tracking import log_artifacts, log_metrics, stage_run
from tasks.train import current_lineage, with_resolved_train_model


@flow(name="economics")
def economics_flow(params: Params, root: Path, out: Path | None = None) -> dict[str, Any]:
    """Train A, B, C, D; evaluate each on the same test split; flag forgetting; write the report."""
    layout = Layout(root)
    work = layout.fresh_scratch("economics")
    params = with_resolved_train_model(params, root, work / "start")  # A and D train from train.model
    dataset = read_card(layout.prepared)
    aside = (lambda *args: train_detector_in_process_task.submit(*args).result) if params.economics.jobs > 1 else None
    outcomes = train_experiments(params, dataset, work, train=train_detector_task, start_aside=aside)
    rows = {n: measure(params, dataset, n, o, work / n, evaluate_detector_task) for n, o in outcomes.items()}
    report = economics_study(params, dataset, rows, outcomes["A"].device, current_lineage(layout))
    files = write_economics_report(report, out or layout.reports / "economics")
    with stage_run(params.tracking, "economics", report["settings"], layout):
        log_metrics(experiment_metrics(rows))
        log_artifacts(files)
    return report


if __name__ == "__main__":
    stage_main(economics_flow)
