"""Run the champion on the same test split and compare it with the new model's kept statistics.

Each model sees the test split remapped to its own class list; both sets of per-image
statistics are then re-indexed to the dataset's classes (tasks/evaluate/per_image.py), so a class
one model does not know counts as AP 0 for it rather than vanishing from its mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tasks.core import EvaluateParams, PreparedDataset, label_path, list_images, read_labels, stage_test_set
from tasks.evaluate.bootstrap import bootstrap_difference, compare_models, map_from_stats
from tasks.evaluate.per_image import ImageStats, to_dataset_classes
from tasks.evaluate.speed import paired_latency
from tasks.evaluate.validate import evaluate_with_image_stats
from tasks.tracking import RegisteredWeights


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


def model_summary(
    records: list[ImageStats], names: list[str], latency_ms: float, version: str | None
) -> dict[str, Any]:
    """mAPs and per-class AP of one model on the dataset's classes (classes with no test box left out)."""
    scores = map_from_stats(records, len(names))
    per_class = {n: float(ap) for n, ap in zip(names, scores["per_class"], strict=True) if not np.isnan(ap)}
    return {**scores, "per_class": per_class, "latency_ms": latency_ms, "version": version}


@dataclass
class CandidateModel:
    """The model under evaluation, as the first validation left it."""

    weights: Path
    names: list[str]
    version: str | None
    records: list[ImageStats]


def compare_with_champion(
    new: CandidateModel,
    old: RegisteredWeights,
    dataset: PreparedDataset,
    section: EvaluateParams,
    device: str,
    work: Path,
    seed: int,
) -> dict[str, Any]:
    """Score the champion like the new model, time both in alternation, then the paired bootstrap."""
    args = {**section.ultralytics_args(), "device": device}
    test_yaml = stage_test_set(dataset, old.names, work / "champion_data")
    _, _, old_records = evaluate_with_image_stats(
        old.weights, test_yaml, dataset.names, args, work / "champion_run", section.operating_conf
    )
    images = timing_images(dataset, section.speed_images)
    latency = paired_latency({"new": new.weights, "old": old.weights}, images, section.predictor_args(), device)
    new_view = dataset_view(new.records, new.names, dataset)
    old_view = dataset_view(old_records, old.names, dataset)
    n_classes = len(dataset.names)
    interval = bootstrap_difference(new_view, old_view, n_classes, section.bootstrap, section.ci_level, seed)
    new_summary = model_summary(new_view, dataset.names, latency["new"], new.version)
    old_summary = model_summary(old_view, dataset.names, latency["old"], old.version)
    return {**compare_models(new_summary, old_summary, interval, dataset.names), "device": device}


def timing_images(dataset: PreparedDataset, count: int) -> list[Path]:
    """The first `count` test images (sorted, so every model is timed on the same ones)."""
    return list_images(dataset.root / "test" / "images")[:count]
