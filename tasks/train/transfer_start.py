"""How a transfer starts, in one place: the transfer stage and the economics study both start here.

A transfer widens the source's head to the dataset's classes (tasks/train/widen_head.py), freezes
the layers its strategy names, and keeps their BatchNorm statistics frozen with a callback
(tasks/train/transfer.py). The stage may instead retrain from scratch when its source is
`transfer.retrain_every` transfers away from a scratch run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tasks.core import Params, TransferParams, resolve_device
from tasks.train.fit import ultralytics_args
from tasks.train.model_spec import resolve_start
from tasks.train.tracked import TrainingStart
from tasks.train.transfer import TransferSource, frozen_layers, keep_frozen_bn, layer_count, plan_next_training
from tasks.train.widen_head import write_start_checkpoint

# (weights, class names, destination) -> (the start checkpoint, the classes carried over)
Widener = Callable[[Path, list[str], Path], tuple[Path, list[str]]]


def transfer_start(
    weights: Path,
    names: list[str],
    section: TransferParams,
    device: str,
    seed: int,
    work: Path,
    widen: Widener = write_start_checkpoint,
) -> TrainingStart:
    """`weights` widened to `names`, frozen per `section.strategy`, frozen BatchNorm kept in eval mode."""
    start, carried = widen(weights, names, work / "start.pt")
    frozen = frozen_layers(section.strategy, section.freeze, layer_count(weights))
    callbacks = {"on_train_batch_start": [keep_frozen_bn(frozen)]} if frozen else {}
    args = {**ultralytics_args(section, device, seed), "freeze": frozen or None}
    card = {"start": str(start), "carried_classes": carried, "frozen_layers": frozen}
    return TrainingStart(str(start), args, card, callbacks)


def transfer_stage_start(
    params: Params,
    source: TransferSource,
    names: list[str],
    work: Path,
    widen: Widener = write_start_checkpoint,
    root: Path = Path("."),
) -> TrainingStart:
    """The transfer stage's start: the source widened to `names`, or train's model (`train.model`, resolved in
    `root`) when a retrain is due."""
    section, device, seed = params.transfer, resolve_device(params.project.device), params.project.seed
    plan = plan_next_training(source.transfers_since_scratch, section.retrain_every)
    described = {"from": source.description, "strategy": section.strategy, "data": section.data, "plan": plan}
    if plan == "retrain":
        scratch = resolve_start(params.train.model, "train.model", params.project, root, work / "scratch")
        args = {**ultralytics_args(params.train, device, seed), "freeze": None}
        lineage = {
            "start": params.train.model,
            "carried_classes": [],
            "frozen_layers": [],
            "transfers_since_scratch": 0,
        }
        return TrainingStart(scratch.model, args, {**described, **lineage})
    start = transfer_start(source.weights, names, section, device, seed, work, widen)
    lineage = {"transfers_since_scratch": source.transfers_since_scratch + 1}
    return replace(start, card={**described, **start.card, **lineage})
