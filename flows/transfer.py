"""Stage `transfer`: start from a model, widen its head to new classes, and train on (some of) the data.

`transfer.from` names the start (a stage, a registry version, a .pt, an Ultralytics name, a zoo entry:
tasks/train/model_spec.py); `transfer.strategy` what is frozen; `transfer.data` which images. After
`transfer.retrain_every` transfers in a row the stage trains from scratch instead (`train.model`), as the
economics report advises.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.steps.train import stage_transfer_set_task, train_detector_task, write_start_checkpoint_task
from tasks.core import Layout, Params, read_card
from tasks.orchestration import stage_main
from tasks.train import resolve_source, tracked_training, transfer_stage_start


@flow(name="transfer")
def transfer_flow(params: Params, root: Path) -> dict:
    """Resolve the start, stage the data, widen the head, freeze per strategy, train, publish, track."""
    section, layout = params.transfer, Layout(root)
    work = layout.fresh_scratch("transfer")
    source = resolve_source(section.source, layout, work / "source", params.project)  # before any work
    dataset = read_card(layout.prepared)
    data_yaml = stage_transfer_set_task(dataset, section.data, section.replay, params.project.seed, work / "data")
    start = transfer_stage_start(params, source, dataset.names, work, widen=write_start_checkpoint_task, root=root)
    logged = section.model_dump(by_alias=True)
    return tracked_training(
        params, layout, "transfer", logged, start, data_yaml, dataset.names, train=train_detector_task
    )


if __name__ == "__main__":
    stage_main(transfer_flow)
