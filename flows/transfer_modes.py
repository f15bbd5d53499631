"""`yoloop transfer-modes`: full, freeze_backbone and head_only from one start model on nested shares of train.

Not a DVC stage (it trains nine models at the default shares); run it to choose `transfer.strategy`. The start is
transfer.from's model, resolved as the transfer stage resolves it; the study's design lives in
tasks/studies/transfer_modes.py. Writes reports/transfer_modes/{table.md, table.json} and one MLflow run that holds
them and each cell's figures. Nothing is registered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow

from flows.steps.evaluate import evaluate_detector_task
from flows.steps.train import train_detector_task
from tasks.core import Layout, Params, read_card
from tasks.orchestration import stage_main
from tasks.studies import cell_metrics, transfer_modes_study, write_modes_report
from tasks.tracking import log_artifacts, log_metrics, stage_run
from tasks.train import resolve_source


@flow(name="transfer_modes")
def transfer_modes_flow(params: Params, root: Path, epochs: int | None = None) -> dict[str, Any]:
    """Resolve the start, train and score every mode on every share, write the table, track it."""
    layout = Layout(root)
    work = layout.fresh_scratch("transfer_modes")
    source = resolve_source(params.transfer.source, layout, work / "source", params.project)  # before any work
    dataset = read_card(layout.prepared)
    report = transfer_modes_study(
        params, dataset, source.weights, source.description, work, epochs, train_detector_task, evaluate_detector_task
    )
    files = write_modes_report(report, layout.reports / "transfer_modes")
    with stage_run(params.tracking, "transfer_modes", report["settings"], layout):
        log_metrics(cell_metrics(report))
        log_artifacts(files)
    return report


if __name__ == "__main__":
    stage_main(transfer_modes_flow)
