"""Out-of-fold predictions: K detectors, each trained on the other folds, predict the fold they never saw.

A model scoring its own training labels mostly agrees with them, right or wrong (it learnt
them); held-out predictions are the established remedy (cleanlab's docs ask for them). Each
fold model trains from the train stage's start (`train.model`) with the train stage's
Ultralytics arguments (`audit.epochs` may shorten them), validates on the prepared val
split(s), and runs in a fingerprinted run folder, so a retry resumes it (tasks/train/checkpoints.py).
Fine-tuning the current model instead would be cheaper, but that model has seen every image.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image

from tasks.audit.boxes import AuditImage, Prediction, truth_boxes
from tasks.core import (
    SUBSET_FOLDERS,
    InputError,
    Layout,
    Params,
    PreparedDataset,
    copy_remapped,
    list_images,
    write_data_yaml,
)
from tasks.train import run_fingerprint, run_folder, train_detector, ultralytics_args


def audited_images(dataset: PreparedDataset, subset: str, folds: int) -> list[Path]:
    """The labelled images the audit covers: the train split of each part of `subset`; at least one per fold."""
    found = [p for folder in SUBSET_FOLDERS[subset] for p in list_images(dataset.root / folder / "images" / "train")]
    if len(found) < folds:
        raise InputError(
            f"{dataset.root}: {len(found)} labelled train images in audit.data {subset}; audit.folds is {folds}"
        )
    return found


def validation_images(dataset: PreparedDataset, subset: str) -> list[Path]:
    """The val split(s) of `subset` that each fold model validates on; none is an error (Ultralytics needs one)."""
    folders = [dataset.root / folder / "images" / "val" for folder in SUBSET_FOLDERS[subset]]
    found = [p for folder in folders for p in list_images(folder)]
    if not found:
        raise InputError(
            f"audit.data: {subset}: no val image in {', '.join(map(str, folders))} for the fold models to validate on; "
            "set audit.data: all, or give that part of the data a val split (prepare.resplit)"
        )
    return found


def load_audit_images(paths: list[Path], file_names: list[str], names: list[str], layout: Layout) -> list[AuditImage]:
    """Each image's key, size and boxes; label ids go from the files' class list to `names` (others are dropped)."""
    remap = {i: names.index(n) for i, n in enumerate(file_names) if n in names}
    images = []
    for path in paths:
        with Image.open(path) as opened:
            width, height = opened.size
        truth = truth_boxes(path, width, height, remap)
        images.append(AuditImage(layout.key(path), width, height, truth, path=path))
    return images


def stage_fold(training: list[Path], validation: list[Path], file_names: list[str], names: list[str], work: Path):
    """A training folder for one fold model: the other folds' images as train, the val split as val."""
    copy_remapped(training, file_names, names, work / "train")
    copy_remapped(validation, file_names, names, work / "val")
    return write_data_yaml(work / "data.yaml", names, {"train": "train/images", "val": "val/images"})


def fold_arguments(params: Params, device: str) -> dict[str, Any]:
    """The train stage's Ultralytics arguments, with `audit.epochs` in place of `train.epochs` when set."""
    epochs = params.audit.epochs or params.train.epochs
    return ultralytics_args(params.train.model_copy(update={"epochs": epochs}), device, params.project.seed)


def predict(weights: Path, paths: list[Path], args: dict[str, Any], conf: float, iou: float) -> list[list[Prediction]]:
    """The model's detections of each image (pixels), in the order of `paths`."""
    from ultralytics import YOLO

    model = YOLO(str(weights))
    found: list[list[Prediction]] = []
    batch = max(1, int(args.get("batch", 16)))
    for start in range(0, len(paths), batch):
        chunk = [str(p) for p in paths[start : start + batch]]
        results = model.predict(chunk, imgsz=args["imgsz"], conf=conf, iou=iou, device=args["device"], verbose=False)
        for result in results:
            boxes = result.boxes
            rows = zip(boxes.cls.tolist(), boxes.conf.tolist(), boxes.xyxy.tolist(), strict=True)
            found.append([Prediction(int(c), round(float(p), 5), tuple(map(float, xyxy))) for c, p, xyxy in rows])
    return found


def train_fold_model(
    fold: int,
    images: list[AuditImage],
    folds: dict[str, int],
    validation: list[Path],
    file_names: list[str],
    names: list[str],
    params: Params,
    args: dict[str, Any],
    work: Path,
    runs: Path,
) -> Path:
    """Train the model of `fold` on every other fold's images (staged in `work`, run in `runs`); its weights."""
    training = [i.path for i in images if folds[i.key] != fold]
    data_yaml = stage_fold(training, validation, file_names, names, work / f"fold-{fold}")
    run_dir = run_folder(runs / f"audit-fold-{fold}", run_fingerprint(params.train.model, args, data_yaml.parent))
    return train_detector(params.train.model, data_yaml, args, run_dir).weights


def train_and_predict(
    fold: int,
    images: list[AuditImage],
    folds: dict[str, int],
    validation: list[Path],
    file_names: list[str],
    names: list[str],
    params: Params,
    args: dict[str, Any],
    work: Path,
    runs: Path,
) -> list[AuditImage]:
    """Train the model of `fold` on every other fold; return the held-out images with its predictions."""
    weights = train_fold_model(fold, images, folds, validation, file_names, names, params, args, work, runs)
    held_out = [i for i in images if folds[i.key] == fold]
    found = predict(weights, [i.path for i in held_out], args, params.audit.conf, params.audit.iou)
    return [replace(image, predictions=p, fold=fold) for image, p in zip(held_out, found, strict=True)]
