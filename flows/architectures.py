"""`yoloop architectures`: train each candidate model yaml on the same data, then one table and one plot.

Not a DVC stage (it trains several models; run it when choosing an architecture). How the
candidates are trained, scored and timed: tasks/studies/architectures.py. Results:
reports/architectures/{table.md, table.json, speed_accuracy.png}, and one MLflow run that
holds them. Nothing is registered.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.steps.evaluate import evaluate_detector_task
from flows.steps.train import train_detector_task
from tasks.core import Layout, Params, read_card, resolve_device
from tasks.orchestration import stage_main
from tasks.studies import compare_architectures, write_comparison
from tasks.tracking import log_artifacts, stage_run


@flow(name="architectures")
def architectures_flow(params: Params, root: Path) -> list[dict]:
    """Train, score and time every model in `architectures.models`; write the table and the plot."""
    layout = Layout(root)
    dataset = read_card(layout.prepared)
    work = layout.fresh_scratch("architectures")
    with stage_run(params.tracking, "architectures", params.architectures.model_dump(), layout):
        rows, setup = compare_architectures(params, dataset, work, train_detector_task, evaluate_detector_task)
        device = resolve_device(params.project.device)
        log_artifacts(write_comparison(rows, device, layout.reports / "architectures", setup))
    return rows


if __name__ == "__main__":
    stage_main(architectures_flow)
