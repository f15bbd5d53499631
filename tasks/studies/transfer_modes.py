"""Which layers to fine-tune, measured: the transfer stage's three strategies from one start model on nested shares of
the train split (`yoloop transfer-modes`).

From transfer.from's model (resolved as the transfer stage resolves it, its head widened to the data's classes as a
transfer starts: tasks/train/transfer_start.py), `full`, `freeze_backbone` (the first `transfer.freeze` layers) and
`head_only` each train on `transfer_modes.fractions` of data/prepared's train split (all its parts; the shares nested,
drawn once with `project.seed`, so the 25% is inside the 50%), validated on the whole val split, at equal epochs
(`transfer_modes.epochs`, else `transfer.epochs`) with the transfer section's arguments and no plots, and scored on the
test split. Per cell: test mAP50-95, wall seconds from the first epoch to the end of the final validation, and the
parameters that train (those with gradients once the freeze is applied; both measured by Ultralytics' callbacks,
tasks/train/fit.py's Meter). The recommendation, per share, is the best test mAP50-95, or the mode that trains the
fewest parameters among those within NOISE of it. Writes reports/transfer_modes/{table.md, table.json} at once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tasks.core import Params, PreparedDataset, atomic_dir, resolve_device, stage_test_set, write_json
from tasks.evaluate import evaluate_detector, validation_args
from tasks.train import Meter, TrainOutcome, stage_sample, train_detector, train_images, transfer_start

MODES = ("full", "freeze_backbone", "head_only")  # transfer.strategy's values, most parameters trained first
NOISE = 0.01  # test mAP50-95 gaps under this are not told apart: the cheaper mode is recommended


@dataclass(frozen=True)
class Cell:
    """One mode trained on one share of the train split, and its figures."""

    mode: str
    fraction: float
    train_images: int
    epochs: int
    map50_95: float
    wall_s: float
    trainable_params: int
    frozen_layers: list[int]


def nested_samples(images: list[Path], fractions: list[float], seed: int) -> dict[float, list[Path]]:
    """Per share, that share of `images` (at least one): prefixes of one order drawn with `seed`, so each smaller
    sample lies inside each larger one, whatever order `images` came in."""
    order = sorted(images)
    random.Random(seed).shuffle(order)
    return {share: sorted(order[: max(1, round(share * len(order)))]) for share in sorted(fractions)}


def percent(fraction: float) -> str:
    return f"{fraction:.0%}"


def best_mode(cells: list[Cell]) -> tuple[str | None, str]:
    """The mode to use at one share, and why: None when no cell scores above 0 (nothing learned to decide on);
    else the best test mAP50-95, or, among the modes within NOISE of it, the one that trains fewest parameters."""
    best = max(cells, key=lambda c: c.map50_95)
    share = f"{percent(best.fraction)} ({best.train_images} images)"
    if best.map50_95 <= 0:
        return None, f"{share}: none; no mode detects anything on the test split (train longer to decide)"
    close = [c for c in cells if best.map50_95 - c.map50_95 < NOISE]
    chosen = min(close, key=lambda c: c.trainable_params)
    said = (
        f"{share}: {chosen.mode} (test mAP50-95 {chosen.map50_95:.3f}, {chosen.trainable_params:,} parameters trained"
    )
    if chosen is best:
        others = [c for c in cells if c is not best]
        gap = best.map50_95 - max(c.map50_95 for c in others) if others else 0.0
        return chosen.mode, f"{said}; {gap:.3f} above the next)"
    return chosen.mode, f"{said}; within {NOISE} of {best.mode}'s {best.map50_95:.3f}, with fewer parameters)"


def recommend(cells: list[Cell]) -> dict[str, Any]:
    """Per share, the mode to use and why; and the sentence they imply."""
    shares = sorted({c.fraction for c in cells})
    chosen = {share: best_mode([c for c in cells if c.fraction == share]) for share in shares}
    modes = {mode for mode, _ in chosen.values()}
    if modes == {None}:
        sentence = "No mode detects anything on the test split at these settings: train longer to decide."
    elif len(modes) == 1:
        sentence = f"Fine-tune {modes.pop()} at every share of the train split measured."
    else:
        said = "; ".join(f"{percent(share)}: {mode or 'none'}" for share, (mode, _) in chosen.items())
        sentence = f"The mode depends on how much data there is ({said}); with all of it, {chosen[shares[-1]][0]}."
    return {"per_fraction": {str(s): {"mode": m, "reason": r} for s, (m, r) in chosen.items()}, "sentence": sentence}


Trainer = Callable[..., TrainOutcome]
Evaluator = Callable[..., tuple[Any, Any]]


def train_cell(params: Params, mode: str, weights: Path, data: Path, test_yaml: Path, run: Path, **how: Any) -> dict:
    """One mode trained from `weights` on the staged `data` for `how["epochs"]` epochs and scored on `test_yaml`:
    test mAP50-95, wall seconds, trainable parameters, frozen layers, epochs run."""
    names, device, seed = how["names"], resolve_device(params.project.device), params.project.seed
    section = params.transfer.model_copy(update={"strategy": mode})
    start = transfer_start(weights, names, section, device, seed, run)
    meter, args = Meter(), {**start.args, "epochs": how["epochs"], "plots": False}
    outcome = how["train"](start.model, data, args, run / "run", meter.callbacks(start.callbacks))
    evaluation, _ = how["evaluate"](outcome.weights, test_yaml, names, validation_args(params), run / "val")
    return {
        "epochs": outcome.epochs,
        "map50_95": evaluation.map50_95,
        "wall_s": round(outcome.wall_s if meter.wall_s is None else meter.wall_s, 2),
        "trainable_params": meter.trainable or 0,
        "frozen_layers": start.card["frozen_layers"],
    }


def train_modes(
    params: Params,
    dataset: PreparedDataset,
    weights: Path,
    work: Path,
    epochs: int | None = None,
    train: Trainer = train_detector,
    evaluate: Evaluator = evaluate_detector,
) -> list[Cell]:
    """Every mode on every share, from `weights`, scored on the test split: one cell each, in share then mode order."""
    how = {"epochs": epochs or params.transfer_modes.epochs or params.transfer.epochs, "names": dataset.names}
    how |= {"train": train, "evaluate": evaluate}
    samples = nested_samples(train_images(dataset), params.transfer_modes.fractions, params.project.seed)
    test_yaml = stage_test_set(dataset, dataset.names, work / "test")
    cells = []
    for share, images in samples.items():
        data = stage_sample(dataset, set(images), work / f"data_{share}").data_yaml
        for mode in MODES:
            figures = train_cell(params, mode, weights, data, test_yaml, work / f"{mode}_{share}", **how)
            cells.append(Cell(mode=mode, fraction=share, train_images=len(images), **figures))
    return cells


def modes_report(cells: list[Cell], settings: dict[str, Any]) -> dict[str, Any]:
    """The report as plain data: the cells, the recommendation, the settings they were measured with."""
    return {
        "cells": [asdict(c) for c in cells],
        "recommendation": recommend(cells),
        "settings": settings,
        "noise": NOISE,
    }


def transfer_modes_study(
    params: Params,
    dataset: PreparedDataset,
    weights: Path,
    described: str,
    work: Path,
    epochs: int | None = None,
    train: Trainer = train_detector,
    evaluate: Evaluator = evaluate_detector,
) -> dict[str, Any]:
    """Train and score every cell from `weights` (transfer.from, `described`); the report with its settings."""
    cells = train_modes(params, dataset, weights, work, epochs, train, evaluate)
    settings = {
        "from": described,
        "fractions": params.transfer_modes.fractions,
        "epochs": epochs or params.transfer_modes.epochs or params.transfer.epochs,
        "imgsz": params.transfer.imgsz,
        "freeze": params.transfer.freeze,
        "seed": params.project.seed,
        "train_images": len(train_images(dataset)),
        "test_images": len(list((dataset.root / "test" / "images").glob("*"))),
        "classes": dataset.names,
        "device": resolve_device(params.project.device),
    }
    return modes_report(cells, settings)


def render_markdown(report: dict[str, Any]) -> str:
    """One row per cell, then the recommendation per share and its sentence."""
    settings, recommendation = report["settings"], report["recommendation"]
    lines = [
        "# Which layers to fine-tune: full, freeze_backbone, head_only",
        "",
        f"From `{settings['from']}`, each mode trained for {settings['epochs']} epoch(s) at imgsz {settings['imgsz']} "
        f"on nested shares of data/prepared's {settings['train_images']} train images (drawn with project.seed "
        f"{settings['seed']}), validated on its val split and scored on its {settings['test_images']} test images "
        f"on `{settings['device']}`. freeze_backbone freezes the first {settings['freeze']} layers.",
        "",
        "| share | train images | mode | test mAP50-95 | wall s | trainable parameters | frozen layers |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in report["cells"]:
        cells = [percent(c["fraction"]), c["train_images"], c["mode"], f"{c['map50_95']:.4f}", f"{c['wall_s']:.1f}"]
        cells += [f"{c['trainable_params']:,}", len(c["frozen_layers"])]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    lines += ["", "## Recommendation", ""]
    lines += [f"- {chosen['reason']}" for chosen in recommendation["per_fraction"].values()]
    lines += ["", f"recommendation: {recommendation['sentence']}", ""]
    return "\n".join(lines)


def write_modes_report(report: dict[str, Any], out: Path) -> list[Path]:
    """table.json and table.md, swapped into `out` at once."""
    with atomic_dir(out) as staging:
        write_json(staging / "table.json", report)
        (staging / "table.md").write_text(render_markdown(report))
    return [out / "table.md", out / "table.json"]


def cell_metrics(report: dict[str, Any]) -> dict[str, float]:
    """<mode>_<percent>_map50_95, _wall_s and _trainable_params of each cell, for the study's MLflow run."""
    return {
        f"{c['mode']}_{round(c['fraction'] * 100)}_{key}": float(c[key])
        for c in report["cells"]
        for key in ("map50_95", "wall_s", "trainable_params")
    }
