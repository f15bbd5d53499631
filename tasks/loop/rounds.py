"""Rounds of the active-learning loop with an oracle in place of the labellers.

The oracle reveals the kept-aside truth of the images an arm chooses (the built-in pool's
`data/oracle`, or the withheld labels of a real dataset's train split), so a benchmark or
a test can run many rounds with no person. Everything happens in a scratch folder; the
versioned data is only read.
"""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.core import InputError, PreparedDataset, label_path, list_images, write_data_yaml
from tasks.evaluate import evaluate_detector
from tasks.loop.curves import CurvePoint, count_boxes, file_sha256, labelled_set_sha256, reveal_labels
from tasks.train import train_detector

# (weights of the arm's current model, candidate images, images it holds labelled, k, round number)
#   -> (the chosen images, the rule that chose them: a strategy, or cold-start-diversity)
Chooser = Callable[[Path, list[Path], list[Path], int, int], tuple[list[Path], str]]
# (start model, epochs, data yaml, test yaml, class names, Ultralytics args, work folder)
#   -> (weights, test mAP50, test mAP50-95, training seconds)
Fit = Callable[[str, int, Path, Path, list[str], dict[str, Any], Path], tuple[Path, float, float, float]]


@dataclass(frozen=True)
class OracleSetup:
    """The images of a simulated loop; labels sit beside images (Ultralytics' layout) or with the oracle."""

    names: list[str]
    seed: list[Path]
    pool: list[Path]
    oracle_labels: Path
    val: list[Path]
    test: list[Path]


@dataclass(frozen=True)
class LoopPlan:
    """How many rounds, how big a batch, and how each round trains (see `round_recipe`)."""

    rounds: int
    batch: int
    epochs: int
    transfer_epochs: int
    retrain_every: int  # 0: always transfer from the previous round's model


def round_recipe(plan: LoopPlan, round_number: int, previous: Path | None, model_yaml: str) -> tuple[str, int]:
    """Scratch for the seed model and every `retrain_every` rounds; otherwise transfer from the last model."""
    scratch = previous is None or (plan.retrain_every and round_number % plan.retrain_every == 0)
    return (model_yaml, plan.epochs) if scratch else (str(previous), plan.transfer_epochs)


def copy_labelled(images: list[Path], dest: Path) -> list[Path]:
    """Copy images with the labels beside them into `dest/images|labels` (a scratch copy to train on)."""
    for folder in ("images", "labels"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    for image in images:
        shutil.copy2(image, dest / "images" / image.name)
        source = label_path(image)
        (dest / "labels" / f"{image.stem}.txt").write_text(source.read_text() if source.exists() else "")
    return sorted((dest / "images").iterdir())


def fit_and_score(
    start: str, epochs: int, data_yaml: Path, test_yaml: Path, names: list[str], args: dict[str, Any], work: Path
) -> tuple[Path, float, float, float]:
    """Train from `start` for `epochs`, then score the weights on the test split."""
    outcome = train_detector(start, data_yaml, {**args, "epochs": epochs}, work / "run")
    evaluation, _ = evaluate_detector(outcome.weights, test_yaml, names, _eval_args(args), work / "eval")
    return outcome.weights, evaluation.map50, evaluation.map50_95, outcome.wall_s


def _eval_args(args: dict[str, Any]) -> dict[str, Any]:
    keep = ("imgsz", "batch", "workers", "device")
    return {**{k: args[k] for k in keep if k in args}, "conf": 0.001, "iou": 0.7}


def run_oracle_rounds(
    setup: OracleSetup,
    plan: LoopPlan,
    choosers: dict[str, Chooser],
    model_yaml: str,
    args: dict[str, Any],
    work: Path,
    after_round: Callable[[list[CurvePoint]], Any] | None = None,
    fit: Fit = fit_and_score,
    repeat: int = 0,
) -> list[CurvePoint]:
    """Round 0 trains the shared seed model; then, round by round, each arm chooses, the oracle labels, it retrains.

    Every arm starts from the same seed images and the same seed weights (a paired design); each
    point records the hashes of the labelled set it trained on, of its weights and of the weights
    it started from, so a report can show the pairing held. `after_round` gets the curve so far
    at the end of every round (the flow writes the report there).
    """
    context = RoundContext(setup, plan, model_yaml, args, work, fit, repeat)
    seed_images, weights, seed_point = _seed_round(context)
    points = [CurvePoint(arm, **seed_point) for arm in choosers]
    arms = {arm: (seed_images, weights) for arm in choosers}
    for round_number in range(1, plan.rounds + 1):
        for arm, choose in choosers.items():
            held, weights = arms[arm]
            point, arms[arm] = _one_round(context, arm, choose, round_number, held, weights)
            points.append(point)
        if after_round:
            after_round(points)
    return points


@dataclass(frozen=True)
class RoundContext:
    """What every round of one repeat shares."""

    setup: OracleSetup
    plan: LoopPlan
    model_yaml: str
    args: dict[str, Any]
    work: Path
    fit: Fit
    repeat: int


def _seed_round(context: RoundContext) -> tuple[list[Path], Path, dict[str, Any]]:
    """The shared val and test copies, and the seed model every arm starts from: its images, weights, point."""
    setup, work = context.setup, context.work
    shared = work / "shared"
    copy_labelled(setup.val, shared / "val")
    copy_labelled(setup.test, shared / "test")
    test_yaml = write_data_yaml(shared / "test.yaml", setup.names, {"train": "test/images", "val": "test/images"})
    seed_dir = work / "seed"
    seed_images = copy_labelled(setup.seed, seed_dir / "train")
    splits = {"train": "train/images", "val": "../shared/val/images"}
    data_yaml = write_data_yaml(seed_dir / "data.yaml", setup.names, splits)
    start, epochs = round_recipe(context.plan, 0, None, context.model_yaml)
    fitted = context.fit(start, epochs, data_yaml, test_yaml, setup.names, context.args, seed_dir)
    weights, map50, map50_95, train_s = fitted
    hashes = {"labelled_sha256": labelled_set_sha256(seed_images), "weights_sha256": file_sha256(weights)}
    point = {"round": 0, "images": len(seed_images), "boxes": count_boxes(seed_images), **hashes}
    point |= {"map50": map50, "map50_95": map50_95, "round_s": train_s, "repeat": context.repeat}
    return seed_images, weights, point


def _one_round(
    context: RoundContext, arm: str, choose: Chooser, round_number: int, labelled: list[Path], weights: Path
) -> tuple[CurvePoint, tuple[list[Path], Path]]:
    """One arm's round in `work/<arm>/round-N`: choose, reveal, retrain, score on `work/shared/test.yaml`."""
    setup, plan, work = context.setup, context.plan, context.work
    round_dir, test_yaml = work / arm / f"round-{round_number}", work / "shared" / "test.yaml"
    held = {image.name for image in labelled}
    started_from = file_sha256(weights)
    started = time.perf_counter()
    candidates = [image for image in setup.pool if image.name not in held]
    chosen, rule = choose(weights, candidates, labelled, plan.batch, round_number)
    choose_s = time.perf_counter() - started
    copy_labelled(labelled, round_dir / "train")
    reveal_labels(chosen, setup.oracle_labels, round_dir / "train")
    labelled = sorted((round_dir / "train" / "images").iterdir())
    splits = {"train": "train/images", "val": "../../shared/val/images"}
    data_yaml = write_data_yaml(round_dir / "data.yaml", setup.names, splits)
    start, epochs = round_recipe(plan, round_number, weights, context.model_yaml)
    weights, map50, map50_95, train_s = context.fit(
        start, epochs, data_yaml, test_yaml, setup.names, context.args, round_dir
    )
    point = CurvePoint(
        arm,
        round_number,
        len(labelled),
        count_boxes(labelled),
        map50,
        map50_95,
        train_s + choose_s,
        context.repeat,
        labelled_set_sha256(labelled),
        file_sha256(weights),
        started_from,
        rule,
        choose_s,
    )
    return point, (labelled, weights)


def prepared_setup(
    dataset: PreparedDataset,
    pool: Path,
    oracle: Path,
    seed_images: int,
    seed: int,
    pool_images: int = 0,
    val_images: int = 0,
) -> OracleSetup:
    """The prepared data as a loop: a random `seed_images` of the train splits, the pool with its kept-aside truth.

    `pool_images`, `val_images` > 0: a random sample of that many pool or val images (drawn with the
    same seed), to keep rounds cheap; the test split is always whole.
    """
    dirs = dataset.split_dirs()
    train = [image for split in ("base/train", "new/train") if split in dirs for image in list_images(dirs[split])]
    if len(train) < seed_images:
        raise InputError(f"params.yaml: active_learning.seed_images: {seed_images} > the {len(train)} train images")
    val = [image for split in ("base/val", "new/val") if split in dirs for image in list_images(dirs[split])]
    draw = random.Random(seed)
    chosen = sorted(draw.sample(train, seed_images))
    candidates = list_images(pool)
    if not candidates:
        raise InputError(f"{pool}: no pool images; the loop needs unlabelled images with kept-aside truth")
    if 0 < pool_images < len(candidates):
        candidates = sorted(draw.sample(candidates, pool_images))
    if 0 < val_images < len(val):
        val = sorted(draw.sample(val, val_images))
    return OracleSetup(dataset.names, chosen, candidates, oracle, val, list_images(dirs["test"]))
