"""Train a detector with Ultralytics, extended through callbacks rather than subclasses."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.core import FitArgs, quiet_ultralytics
from tasks.train.checkpoints import drop_unsaved_epochs, resumable_checkpoint

Callback = Callable[[Any], None]


@dataclass
class TrainOutcome:
    """What a training run left behind, and what it cost."""

    weights: Path
    run_dir: Path
    names: list[str]
    metrics: dict[str, float]
    epochs: int
    images_seen: int
    wall_s: float
    device: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Meter:
    """What Ultralytics' callbacks measure of one training: the seconds from its first epoch to the end of its final
    validation (`train_time_start` to `on_train_end`, so set-up such as a first labels cache counts for none) and the
    parameters it trains (those with gradients once Ultralytics applied `freeze`, at `on_train_start`)."""

    wall_s: float | None = None
    trainable: int | None = None

    def callbacks(self, others: dict[str, list[Callback]] | None = None) -> dict[str, list[Callback]]:
        """The meter's callbacks, added to `others` (a training's own, such as a transfer's frozen BatchNorm)."""
        mine: dict[str, list[Callback]] = {"on_train_start": [self._count], "on_train_end": [self._stop]}
        return {event: [*(others or {}).get(event, []), *mine.get(event, [])] for event in {*mine, *(others or {})}}

    def _count(self, trainer: Any) -> None:
        self.trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)

    def _stop(self, trainer: Any) -> None:
        self.wall_s = time.time() - trainer.train_time_start


def ultralytics_args(params: FitArgs, device: str, seed: int) -> dict[str, Any]:
    """The Ultralytics arguments of a train or transfer section: its own keys, then the free `ultralytics` ones."""
    args = params.model_dump(exclude=params.yoloop_keys, exclude_none=True)  # no lr0: the optimizer's own
    return {**args, **params.ultralytics, "device": device, "seed": seed}


def epoch_metrics(trainer: Any) -> dict[str, float]:
    """The numbers Ultralytics has at the end of an epoch: train losses, val metrics, learning rates."""
    losses = trainer.label_loss_items(trainer.tloss, prefix="train")
    return {**losses, **trainer.metrics, **trainer.lr}


def train_detector(
    model: str,
    data_yaml: Path,
    args: dict[str, Any],
    run_dir: Path,
    callbacks: dict[str, list[Callback]] | None = None,
) -> TrainOutcome:
    """Train `model` (a yaml to start from scratch, or a .pt) on `data_yaml`; the run lives in `run_dir`.

    When `run_dir` holds a run that was cut off (see tasks/train/checkpoints.py), it resumes from
    its last checkpoint; the outcome's `extra["resumed_from_epoch"]` says from which epoch.
    """
    quiet_ultralytics()
    from ultralytics import YOLO

    checkpoint = resumable_checkpoint(run_dir)
    detector = YOLO(str(checkpoint) if checkpoint else model)
    for event, functions in (callbacks or {}).items():
        for function in functions:
            detector.add_callback(event, function)
    started = time.perf_counter()
    if checkpoint:
        drop_unsaved_epochs(run_dir, checkpoint)
        detector.train(resume=True, data=str(data_yaml), device=args["device"], workers=args.get("workers", 0))
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
        detector.train(data=str(data_yaml), project=str(run_dir.parent), name=run_dir.name, exist_ok=True, **args)
    return outcome_of(detector.trainer, time.perf_counter() - started, resumed=checkpoint is not None)


def train_detector_in_process(
    model: str,
    data_yaml: Path,
    args: dict[str, Any],
    run_dir: Path,
    callbacks: dict[str, list[Callback]] | None = None,
) -> TrainOutcome:
    """`train_detector` in a process of its own, so that it trains beside a training in this process.

    On a CPU, Ultralytics trains with cpu_count - 1 threads (at most 8): one on two cores, so two
    trainings at once use both. `callbacks` must pickle (module-level functions, no closures).
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    quiet_ultralytics()  # settings written here, before the child reads them: two first starts race to write them
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(train_detector, model, data_yaml, args, run_dir, callbacks).result()


def outcome_of(trainer: Any, wall_s: float, resumed: bool) -> TrainOutcome:
    """What an Ultralytics trainer left behind once `train` returned."""
    epochs = trainer.epoch + 1
    return TrainOutcome(
        weights=Path(trainer.best),
        run_dir=Path(trainer.save_dir),
        names=list(trainer.data["names"].values()),
        metrics={k: float(v) for k, v in trainer.metrics.items()},
        epochs=epochs,
        images_seen=epochs * len(trainer.train_loader.dataset),
        wall_s=wall_s,
        device=str(trainer.device),
        extra={"resumed_from_epoch": trainer.start_epoch} if resumed else {},
    )


def save_model(outcome: TrainOutcome, dest: Path, card: dict[str, Any]) -> Path:
    """Publish the best weights with a card (class names, how they were made) atomically."""
    from tasks.core import WEIGHTS_FILE, ModelCard, atomic_dir, write_model_card

    with atomic_dir(dest) as staging:
        shutil.copy2(outcome.weights, staging / WEIGHTS_FILE)
        write_model_card(staging, ModelCard.model_validate({"names": outcome.names, **card}))
    return dest / WEIGHTS_FILE


BATCH_PICTURES = "batches"  # reports/<stage>/batches: Ultralytics' pictures of the first training batches


def save_training_report(outcome: TrainOutcome, dest: Path) -> list[Path]:
    """Keep Ultralytics' per-epoch table and curves of the run, and in `batches/` its pictures of the first
    training batches as augmented: what the model is shown (none when `plots` is turned off)."""
    shutil.rmtree(dest / BATCH_PICTURES, ignore_errors=True)  # an earlier run's pictures
    (dest / BATCH_PICTURES).mkdir(parents=True)
    kept = [outcome.run_dir / name for name in ("results.csv", "results.png") if (outcome.run_dir / name).exists()]
    pictures = sorted(outcome.run_dir.glob("train_batch*.jpg"))
    return [
        *(Path(shutil.copy2(path, dest / path.name)) for path in kept),
        *(Path(shutil.copy2(path, dest / BATCH_PICTURES / path.name)) for path in pictures),
    ]
