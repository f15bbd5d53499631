"""Run the champion on the same test split and compare it with the new model's kept statistics.

Each model sees the test split remapped to its own class list; both sets of per-image
statistics are then re-indexed to the dataset's classes (tasks/per_image.py), so a class
one model does not know counts as AP 0 for it rather than vanishing from its mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tasks.champion import RegisteredWeights
from tasks.compare import bootstrap_difference, compare_models, map_from_stats
from tasks.datasets import PreparedDataset, stage_test_set
from tasks.evaluate import evaluate_with_image_stats
from tasks.params_schema import EvaluateParams
from tasks.per_image import ImageStats, to_dataset_classes
from tasks.speed import measure_speed
from tasks.yolo_files import label_path, list_images, read_labels


def unknown_targets(dataset: PreparedDataset, model_names: list[str]) -> dict[str, list[str]]:
    """Per test image, the class names of its boxes that a model with `model_names` cannot predict."""
    unknown: dict[str, list[str]] = {}
    for image in list_images(dataset.root / "test" / "images"):
        names = [dataset.names[b.cls] for b in read_labels(label_path(image))]
        unknown[image.name] = [n for n in names if n not in model_names]
    return unknown


def dataset_view(records: list[ImageStats], model_names: list[str], dataset: PreparedDataset) -> list[ImageStats]:
    """Records in the dataset's class indices, sorted by image name, so two models pair image by image."""
    mapped = to_dataset_classes(records, model_names, dataset.names, unknown_targets(dataset, model_names))
    return sorted(mapped, key=lambda r: r.image)


def summary(records: list[ImageStats], names: list[str], latency_ms: float, version: str | None) -> dict[str, Any]:
    """mAPs and per-class AP of one model on the dataset's classes (classes with no test box left out)."""
    scores = map_from_stats(records, len(names))
    per_class = {n: float(ap) for n, ap in zip(names, scores["per_class"], strict=True) if not np.isnan(ap)}
    return {**scores, "per_class": per_class, "latency_ms": latency_ms, "version": version}


def compare_with_champion(
    old: RegisteredWeights,
    new_records: list[ImageStats],
    new_result: dict[str, Any],
    dataset: PreparedDataset,
    section: EvaluateParams,
    args: dict[str, Any],
    predict_args: dict[str, Any],
    speed_images: list[Path],
    work: Path,
    seed: int,
) -> dict[str, Any]:
    """Score the champion like the new model, then the paired bootstrap and the per-class differences."""
    old_names = old.names
    test_yaml = stage_test_set(dataset, old_names, work / "champion_data")
    _, _, old_records = evaluate_with_image_stats(
        old.weights, test_yaml, dataset.names, args, work / "champion_run", section.operating_conf
    )
    old_speed = measure_speed(old.weights, speed_images, [1], predict_args, args["device"])
    new_names = [n for n in dataset.names if n in new_result["per_class"]]
    new_view = dataset_view(new_records, list(_model_names(new_result)), dataset)
    old_view = dataset_view(old_records, old_names, dataset)
    interval = bootstrap_difference(new_view, old_view, len(dataset.names), section.bootstrap, section.ci_level, seed)
    new = summary(new_view, dataset.names, new_result["speed"]["batch"]["1"]["total"], new_result["model_version"])
    old_summary = summary(old_view, dataset.names, old_speed["batch"]["1"]["total"], old.version)
    return {**compare_models(new, old_summary, interval, new_names), "device": args["device"]}


def _model_names(result: dict[str, Any]) -> list[str]:
    """The class list the new model predicts, as the confusion matrix labels it (background last)."""
    return result["confusion_matrix"]["labels"][:-1]
