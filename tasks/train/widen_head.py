"""A class-incremental head: a model for a longer class list that still knows its old classes.

When the class count changes, Ultralytics builds a new Detect head. The last conv of each
classification branch (`cv3[i][-1]`) has one output row per class; every other tensor keeps
its shape. `widen_head` builds the model for the new class list, loads every tensor of the
old model, and copies each old class's rows into the row of the same class name (through
Ultralytics' `load`, which remaps the rows by name), then checks that it did: before any
training step, the widened model scores and places the old classes exactly as the old one.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import torch
from torch import nn


def class_rows(model: nn.Module) -> list[nn.Conv2d]:
    """The classification convs of the Detect head: one output row per class."""
    head = model.model[-1]
    return [branch[-1] for branch in head.cv3]


def carried_classes(old: nn.Module, new: nn.Module) -> list[str]:
    """The old classes whose head rows the new model holds unchanged; raises when one was lost."""
    old_names, new_names = list(old.names.values()), list(new.names.values())
    shared = [name for name in old_names if name in new_names]
    for old_conv, new_conv in zip(class_rows(old), class_rows(new), strict=True):
        for name in shared:
            i, j = old_names.index(name), new_names.index(name)
            same = torch.equal(old_conv.weight[i], new_conv.weight[j]) and torch.equal(
                old_conv.bias[i], new_conv.bias[j]
            )
            if not same:
                raise RuntimeError(f"class '{name}': its head rows were not carried over to the new head")
    return shared


def widen_head(old: nn.Module, names: list[str]) -> nn.Module:
    """A copy of `old` for the class list `names`, old classes' head rows moved to their new rows."""
    from ultralytics.nn.tasks import DetectionModel

    old = deepcopy(old).float().eval()
    new = DetectionModel(deepcopy(old.yaml), ch=old.yaml.get("channels", 3), nc=len(names), verbose=False)
    new.names = dict(enumerate(names))  # before `load`, so rows are matched by class name
    new.load(old, verbose=False)
    new.args, new.stride = getattr(old, "args", {}), old.stride
    carried_classes(old, new)
    return new.eval()


def write_start_checkpoint(weights: Path, names: list[str], dest: Path) -> tuple[Path, list[str]]:
    """A checkpoint of `weights` for `names` (widened when the list changed); returns it and the carried classes."""
    from ultralytics.nn.tasks import load_checkpoint

    old, ckpt = load_checkpoint(weights)
    if list(old.names.values()) == names:
        return weights, names
    new = widen_head(old, names)
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": new, "train_args": ckpt.get("train_args", {})}, dest)
    return dest, carried_classes(old, new)
