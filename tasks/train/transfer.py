"""Transfer learning: where the starting model comes from, what is frozen, which data is used.

Freezing: Ultralytics' `freeze` argument turns off gradients of the first layers, and
Ultralytics 8.4.190 also puts their BatchNorm layers in eval mode at each epoch start
(`BaseTrainer._model_train`). `keep_frozen_bn` does the same before every batch, so the
running statistics of frozen layers stay frozen whatever the trainer version does at epoch
start; the strategy tests check both the weights and the statistics.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from tasks.core import (
    InputError,
    Layout,
    PreparedDataset,
    ProjectParams,
    copy_remapped,
    list_images,
    read_model_card,
    stage_training_set,
    write_data_yaml,
)
from tasks.train.model_spec import ModelPlaces, parse_model_spec, resolve_model_spec

TRANSFER_SUBSETS = {"new_only": "new", "all": "all"}


@dataclass(frozen=True)
class TransferSource:
    """The model a transfer starts from: its weights and how many transfers it already is from scratch."""

    weights: Path
    description: str
    transfers_since_scratch: int


def resolve_source(
    spec: str, layout: Layout, work: Path, project: ProjectParams | None = None, params_file: str = "params.yaml"
) -> TransferSource:
    """`transfer.from` as a local checkpoint: a stage's published model, a registry version, a .pt file, an
    Ultralytics name or a zoo entry (tasks/train/model_spec.py); an InputError naming the key when it cannot be had."""
    places = ModelPlaces.of(project or ProjectParams(), layout.root, params_file)
    resolved = resolve_model_spec(parse_model_spec(spec, "transfer.from"), places, work)
    return TransferSource(Path(resolved.model), resolved.description, resolved.transfers_since_scratch)


def current_lineage(layout: Layout, stage: str = "transfer") -> int:
    """How many transfers in a row the stage's published model is from a scratch run (0 when none is published)."""
    card = read_model_card(layout.model_dir(stage), required=False)
    return card.transfers_since_scratch if card else 0


def plan_next_training(transfers_since_scratch: int, retrain_every: int) -> Literal["transfer", "retrain"]:
    """Transfer, unless `retrain_every` transfers in a row already stand between the model and scratch (0: never)."""
    if retrain_every and transfers_since_scratch >= retrain_every:
        return "retrain"
    return "transfer"


def layer_count(weights: Path) -> int:
    """The number of layers of a checkpoint's model; the last one is the Detect head."""
    from ultralytics.nn.tasks import load_checkpoint

    return len(load_checkpoint(weights)[0].model)


def frozen_layers(strategy: str, freeze: int, layer_count: int) -> list[int]:
    """The layer indices a strategy freezes: none, the first `freeze`, or all but the Detect head."""
    if strategy == "full":
        return []
    if strategy == "freeze_backbone":
        if freeze >= layer_count - 1:
            raise InputError(
                [f"params.yaml: transfer.freeze: {freeze} would freeze the head too ({layer_count} layers)"]
            )
        return list(range(freeze))
    if strategy == "head_only":
        return list(range(layer_count - 1))
    raise ValueError(f"unknown strategy {strategy!r}")


def keep_frozen_bn(layers: list[int]):
    """An Ultralytics callback: BatchNorm of frozen layers in eval mode, so their running statistics stay put."""
    prefixes = tuple(f"model.{i}." for i in layers)

    def callback(trainer: Any) -> None:
        import torch

        for name, module in trainer.model.named_modules():
            if isinstance(module, torch.nn.BatchNorm2d) and f"{name}.".startswith(prefixes):
                module.eval()

    return callback


def sample_replay(images: list[Path], fraction: float, seed: int) -> list[Path]:
    """A fixed random share of the old images (at least one), the same for the same seed."""
    count = max(1, round(len(images) * fraction))
    return sorted(random.Random(seed).sample(images, min(count, len(images))))


def stage_transfer_set(dataset: PreparedDataset, data: str, replay: float, seed: int, work: Path) -> Path:
    """The training copy of a transfer: new data only, all data, or new data plus a replay of old train images."""
    if not dataset.new_classes and data != "all":
        raise InputError([f"{dataset.root}/dataset.json: no new classes, so transfer.data must be all, got {data}"])
    if data in TRANSFER_SUBSETS:
        return stage_training_set(dataset, TRANSFER_SUBSETS[data], work)
    old = sample_replay(list_images(dataset.root / "base/images/train"), replay, seed)
    copy_remapped(old, dataset.names, dataset.names, work / "replay_train")
    copy_remapped(list_images(dataset.root / "base/images/val"), dataset.names, dataset.names, work / "base_val")
    stage_training_set(dataset, "new", work)
    splits = {"train": ["new_train/images", "replay_train/images"], "val": ["new_val/images", "base_val/images"]}
    return write_data_yaml(work / "data.yaml", dataset.names, splits)
