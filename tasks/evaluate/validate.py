"""Evaluate a detector on the test split with Ultralytics' validator."""

from __future__ import annotations

import csv
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tasks.core import Params, quiet_ultralytics, resolve_device
from tasks.evaluate.per_image import ImageStats, record_image_stats

PLOT_FILES = ("BoxPR_curve.png", "confusion_matrix.png", "confusion_matrix_normalized.png", "BoxF1_curve.png")


@dataclass
class Evaluation:
    """Test-split figures of one model; per-class entries cover every dataset class."""

    model: str
    images: int
    instances: int
    map50: float
    map50_95: float
    precision: float
    recall: float
    per_class: dict[str, dict[str, float | int | bool]]
    speed_ms: dict[str, float]
    confusion_matrix: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def validation_args(params: Params) -> dict[str, Any]:
    """Ultralytics validator arguments of the evaluate section, on the project's device."""
    return {**params.evaluate.ultralytics_args(), "device": resolve_device(params.project.device)}


def _per_class(metrics: Any, model_names: list[str], dataset_names: list[str]) -> dict[str, dict]:
    """AP per class; a class the model does not know, or with no test instance, is marked so."""
    rows: dict[str, dict] = {}
    counts = metrics.nt_per_class if metrics.nt_per_class is not None else [0] * len(model_names)
    by_name = {model_names[c]: i for i, c in enumerate(metrics.ap_class_index)}
    for name in dataset_names:
        known = name in model_names
        instances = int(counts[model_names.index(name)]) if known else 0
        if name in by_name:
            p, r, ap50, ap = metrics.class_result(by_name[name])
            rows[name] = {
                "known": True,
                "instances": instances,
                "precision": float(p),
                "recall": float(r),
                "ap50": float(ap50),
                "ap50_95": float(ap),
            }
        else:
            rows[name] = {
                "known": known,
                "instances": instances,
                "precision": 0.0,
                "recall": 0.0,
                "ap50": 0.0,
                "ap50_95": 0.0,
            }
    return rows


def write_pr_curve(metrics: Any, model_names: list[str], path: Path) -> None:
    """The precision-recall curve for `dvc plots` (dvc.yaml: x recall, y precision): one row per recall
    point, `precision` the mean over the classes with test boxes (Ultralytics' "all classes" curve), then
    `precision_<class>` per class. Columns, not a class column: DVC draws one line per column, never per group."""
    recall, precision = metrics.box.px[::10], metrics.box.prec_values
    classes = [model_names[i] for i in metrics.ap_class_index]
    per_class = [precision[row][::10] for row in range(len(classes))]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["recall", "precision", *(f"precision_{name}" for name in classes)])
        for i, r in enumerate(recall if classes else []):
            points = [float(row[i]) for row in per_class]
            writer.writerow([f"{r:.4f}", f"{sum(points) / len(points):.4f}", *(f"{p:.4f}" for p in points)])


def _confusion(metrics: Any, model_names: list[str]) -> dict[str, Any]:
    """Ultralytics' matrix (rows: predicted, columns: true; the last is background) as plain counts."""
    matrix = getattr(metrics.confusion_matrix, "matrix", None)
    rows = [[int(v) for v in row] for row in matrix] if matrix is not None else []
    return {"labels": [*model_names, "background"], "rows_predicted_columns_true": rows}


def evaluate_detector(
    weights: Path, data_yaml: Path, dataset_names: list[str], args: dict[str, Any], run_dir: Path
) -> tuple[Evaluation, Any]:
    """Validate `weights` on the `val` entry of `data_yaml` (a staged test split)."""
    evaluation, metrics, _ = evaluate_with_image_stats(weights, data_yaml, dataset_names, args, run_dir)
    return evaluation, metrics


def evaluate_with_image_stats(
    weights: Path,
    data_yaml: Path,
    dataset_names: list[str],
    args: dict[str, Any],
    run_dir: Path,
    operating_conf: float = 0.25,
) -> tuple[Evaluation, Any, list[ImageStats]]:
    """Validate `weights` on the `val` entry of `data_yaml` (a staged test split), keeping per-image stats."""
    quiet_ultralytics()
    from ultralytics import YOLO

    detector = YOLO(str(weights))
    records = record_image_stats(detector, operating_conf)
    model_names = list(detector.names.values())
    shutil.rmtree(run_dir, ignore_errors=True)
    metrics = detector.val(
        data=str(data_yaml),
        split="val",
        project=str(run_dir.parent),
        name=run_dir.name,
        exist_ok=True,
        plots=True,
        verbose=False,
        **args,
    )
    box = metrics.box
    evaluation = Evaluation(
        model=str(weights),
        images=len(box.image_metrics),
        instances=int(sum(metrics.nt_per_class)),
        map50=float(box.map50),
        map50_95=float(box.map),
        precision=float(box.mp),
        recall=float(box.mr),
        per_class=_per_class(metrics, model_names, dataset_names),
        speed_ms={k: float(v) for k, v in metrics.speed.items()},
        confusion_matrix=_confusion(metrics, model_names),
    )
    return evaluation, metrics, records


def copy_plots(run_dir: Path, dest: Path) -> list[Path]:
    """Copy Ultralytics' evaluation plots that exist into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in PLOT_FILES:
        if (run_dir / name).exists():
            copied.append(Path(shutil.copy2(run_dir / name, dest / name)))
    return copied
