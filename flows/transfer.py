"""Stage `transfer`: start from a model, widen its head to new classes, and train on (some of) the data.

`transfer.from` names the start (a stage, a registry version, a .pt); `transfer.strategy`
what is frozen; `transfer.data` which images. After `transfer.retrain_every` transfers in a
row the stage trains from scratch instead (`train.model`), as the economics report advises.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.stage import main
from flows.train import tracked_training
from tasks.core.paths import PREPARED, fresh_scratch
from tasks.core.prepared import read_card
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.ops import tracking
from tasks.studies.economics import plan_next_training
from tasks.train.fit import ultralytics_args
from tasks.train.transfer import (
    TransferSource,
    frozen_layers,
    keep_frozen_bn,
    layer_count,
    resolve_source,
    stage_transfer_set,
)
from tasks.train.widen_head import write_start_checkpoint

stage_transfer_set_task = as_task(stage_transfer_set)
write_start_checkpoint_task = as_task(write_start_checkpoint)


def plan_start(
    params: Params, source: TransferSource, names: list[str], work: Path
) -> tuple[str, dict, list[int], dict]:
    """What to train from: the source widened to `names` (a transfer), or train's model (the scheduled retrain).

    Returns the start model, the Ultralytics arguments, the frozen layers and the card's lineage entries.
    """
    section, device, seed = params.transfer, resolve_device(params.project.device), params.project.seed
    plan = plan_next_training(source.transfers_since_scratch, section.retrain_every)
    if plan == "retrain":
        lineage = {"plan": plan, "carried_classes": [], "transfers_since_scratch": 0}
        return params.train.model, ultralytics_args(params.train, device, seed), [], lineage
    weights, carried = write_start_checkpoint_task(source.weights, names, work / "start.pt")
    frozen = frozen_layers(section.strategy, section.freeze, layer_count(source.weights))
    lineage = {"plan": plan, "carried_classes": carried, "transfers_since_scratch": source.transfers_since_scratch + 1}
    return str(weights), ultralytics_args(section, device, seed), frozen, lineage


@flow(name="transfer")
def transfer_flow(params: Params) -> dict:
    """Resolve the start, stage the data, widen the head, freeze per strategy, train, publish, track."""
    section = params.transfer
    dataset = read_card(PREPARED)
    work = fresh_scratch("transfer")
    source = resolve_source(section.source, tracking.download_registered_weights, work / "source")
    data_yaml = stage_transfer_set_task(dataset, section.data, section.replay, params.project.seed, work / "data")
    start, args, frozen, lineage = plan_start(params, source, dataset.names, work)
    card = {"from": source.description, "strategy": section.strategy, "data": section.data, "start": start}
    card |= {"frozen_layers": frozen, **lineage}
    callbacks = {"on_train_batch_start": [keep_frozen_bn(frozen)]} if frozen else {}
    args = {**args, "freeze": frozen or None}
    logged = section.model_dump(by_alias=True)
    return tracked_training(params, "transfer", logged, start, data_yaml, args, card, callbacks)


if __name__ == "__main__":
    main(transfer_flow)
