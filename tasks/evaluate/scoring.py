"""The evaluate stage's measurements of one model: accuracy, per-image counts, speed, size, exports,
and the forgetting check against the reference stage's model.

Each model sees the test split remapped to its own class list (tasks/core/prepared.py); the
figures cover every dataset class, a class the model does not know scoring 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from tasks.core import (
    WEIGHTS_FILE,
    Layout,
    Params,
    PreparedDataset,
    read_model_card,
    resolve_device,
    stage_test_set,
    write_json,
)
from tasks.evaluate.against_champion import timing_images
from tasks.evaluate.export_check import calibration_images, export_and_score, export_cost, export_variants
from tasks.evaluate.forgetting import ap_by_class, check_forgetting
from tasks.evaluate.per_image import ImageStats, operating_table
from tasks.evaluate.speed import measure_speed, model_size
from tasks.evaluate.validate import Evaluation, copy_plots, evaluate_with_image_stats, validation_args, write_pr_curve


class Accuracy(NamedTuple):
    """The test-split validation of one model: its figures, per-image statistics and counts, the staged split."""

    evaluation: Evaluation
    records: list[ImageStats]
    operating: dict[str, Any]  # per-image TP/FP/FN at the operating confidence, with totals
    test_yaml: Path


def score_accuracy(
    params: Params, layout: Layout, dataset: PreparedDataset, names: list[str], weights: Path, work: Path
) -> Accuracy:
    """Validate on the test split; write the PR curve, Ultralytics' plots and metrics/evaluate_images.json."""
    section, out = params.evaluate, layout.reports / "evaluate"
    test_yaml = stage_test_set(dataset, names, work / "data")
    evaluation, metrics, records = evaluate_with_image_stats(
        weights, test_yaml, dataset.names, validation_args(params), work / "run", section.operating_conf
    )
    write_pr_curve(metrics, names, out / "pr_curve.csv")
    copy_plots(work / "run", out)
    operating = operating_table(records, section.operating_conf)
    write_json(layout.metrics / "evaluate_images.json", operating)
    return Accuracy(evaluation, records, operating, test_yaml)


def score_exports(params: Params, dataset: PreparedDataset, weights: Path, accuracy: Accuracy, work: Path) -> dict:
    """Each ONNX variant this device can build, scored on the same test split against the PyTorch model's
    mAP, and the variants skipped with the reason."""
    section, device = params.evaluate, resolve_device(params.project.device)
    export = section.export
    variants, skipped = export_variants(export.onnx, export.half, export.int8, device)
    calibration = calibration_images(dataset, export.calibration_images)
    exported = export_and_score(
        weights, accuracy.test_yaml, section.ultralytics_args(), device, work / "export", variants, calibration
    )
    evaluation = accuracy.evaluation
    return {"variants": export_cost(exported, evaluation.map50_95, evaluation.map50), "skipped": skipped}


def score_model(
    params: Params,
    layout: Layout,
    dataset: PreparedDataset,
    names: list[str],
    weights: Path,
    version: str | None,
    work: Path,
) -> tuple[dict[str, Any], list[ImageStats]]:
    """metrics/evaluate_details.json's figures of the model (registered as `version`), and its per-image statistics."""
    section, device = params.evaluate, resolve_device(params.project.device)
    accuracy = score_accuracy(params, layout, dataset, names, weights, work)
    export = score_exports(params, dataset, weights, accuracy, work)
    images, batches = timing_images(dataset, section.speed_images), sorted({1, section.speed_batch})
    result = {
        **accuracy.evaluation.to_json(),
        "model": layout.key(weights),
        "model_version": version,
        "operating_point": {"conf": section.operating_conf, **accuracy.operating["totals"]},
        "speed": measure_speed(weights, images, batches, section.predictor_args(), device),
        "size": model_size(weights, section.imgsz),
        "export": export,
    }
    return result, accuracy.records


def score_forgetting(
    params: Params, layout: Layout, dataset: PreparedDataset, per_class: dict, work: Path
) -> dict[str, Any]:
    """Flag old classes (those of `forgetting.reference`'s model) whose test mAP50-95 fell beyond the tolerance."""
    reference = params.forgetting.reference
    if reference == params.evaluate.model:
        return {"reference": None, "flags": [], "note": "the evaluated model is the reference itself"}
    source = layout.model_dir(reference)
    names = read_model_card(source)["names"]
    test_yaml = stage_test_set(dataset, names, work / "reference-data")
    before, _, _ = evaluate_with_image_stats(
        source / WEIGHTS_FILE, test_yaml, dataset.names, validation_args(params), work / "reference"
    )
    flags = check_forgetting(ap_by_class(before.per_class), ap_by_class(per_class), names, params.forgetting.tolerance)
    return {"reference": reference, "old_classes": names, "flags": [flag.to_json() for flag in flags]}
