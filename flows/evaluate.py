"""Stage `evaluate`: the chosen stage's model on the test split, against the champion, then promote or not.

Writes metrics/evaluate.json (accuracy, per class, confusion matrix, speed, size),
metrics/evaluate_images.json (per-image TP/FP/FN), metrics/compare.json, and
reports/evaluate/{report.md, decision.json, decision.md} plus Ultralytics' plots.
"""

from __future__ import annotations

import json

from prefect import flow

from flows.stage import main
from tasks import tracking
from tasks.champion import fetch_version_weights
from tasks.compare_run import compare_with_champion
from tasks.datasets import read_card, stage_test_set
from tasks.evaluate import copy_plots, evaluate_with_image_stats, write_pr_curve
from tasks.evaluate_report import write_decision, write_report
from tasks.export_check import export_and_score, export_cost, export_variants
from tasks.params_schema import Params
from tasks.paths import METRICS, MODEL_CARD, PREPARED, REPORTS, WEIGHTS_FILE, fresh_scratch, model_dir
from tasks.per_image import operating_table
from tasks.promote import apply_decision, champion_version, decide
from tasks.runtime import as_task, resolve_device
from tasks.speed import measure_speed, model_size
from tasks.yolo_files import list_images, write_json

stage_test_set_task = as_task(stage_test_set)
evaluate_task = as_task(evaluate_with_image_stats)
measure_speed_task = as_task(measure_speed)
export_task = as_task(export_and_score)
fetch_champion_task = as_task(fetch_version_weights, name="fetch-champion")

OUT = REPORTS / "evaluate"


def _log_results(result: dict, comparison: dict | None, decision: dict, registry: dict) -> None:
    """The headline numbers and the decision on the evaluate run, so the MLflow UI answers without the files."""
    speed = result["speed"]["batch"]
    metrics = {
        "test_map50": result["map50"],
        "test_map50_95": result["map50_95"],
        "test_precision": result["precision"],
        "test_recall": result["recall"],
        **{f"test_ap50_95_{n}": c["ap50_95"] for n, c in result["per_class"].items()},
        **{f"speed_ms_{k}": v for k, v in result["speed_ms"].items()},
        **{f"latency_ms_b{b}_{k}": v for b, row in speed.items() for k, v in row.items()},
        "parameters": result["size"]["parameters"],
        "gflops": result["size"]["gflops"],
        **{f"export_{n}_map50_95_cost": row["map50_95_cost"] for n, row in result["export"]["variants"].items()},
    }
    if comparison:
        metrics.update(
            map50_95_gain=comparison["map50_95"]["diff"],
            map50_95_gain_ci_low=comparison["interval"]["low"],
            map50_95_gain_ci_high=comparison["interval"]["high"],
            relative_error_reduction=comparison["relative_error_reduction"],
            latency_ratio=comparison["latency_ratio"],
        )
    tracking.log_metrics(metrics)
    import mlflow

    mlflow.set_tags(
        {
            "yoloop.decision": "promote" if decision["promote"] else "keep champion",
            "yoloop.decision_reasons": " | ".join(decision["reasons"])[:5000],
            "yoloop.champion_before": str(registry["champion_before"]),
            "yoloop.champion_after": str(registry["champion_after"]),
            "yoloop.registry_changed": str(registry["changed"]).lower(),
        }
    )


@flow(name="evaluate")
def evaluate_flow(params: Params) -> dict:
    """Evaluate `models/<evaluate.model>` on the test split, compare it with the champion, apply the rule."""
    from mlflow import MlflowClient

    section = params.evaluate
    dataset = read_card(PREPARED)
    source = model_dir(section.model)
    card = json.loads((source / MODEL_CARD).read_text())
    work = fresh_scratch("evaluate")
    device = resolve_device(params.project.device)
    test_yaml = stage_test_set_task(dataset, card["names"], work / "data")
    args = {**section.ultralytics_args(), "device": device}
    weights = source / WEIGHTS_FILE
    with tracking.stage_run(params.tracking, "evaluate", section.model_dump(), str(PREPARED)):
        evaluation, metrics, records = evaluate_task(
            weights, test_yaml, dataset.names, args, work / "run", section.operating_conf
        )
        write_pr_curve(metrics, card["names"], OUT / "pr_curve.csv")
        plots = copy_plots(work / "run", OUT)
        images = list_images(dataset.root / "test" / "images")[: section.speed_images]
        predict_args = {"imgsz": section.imgsz, "conf": section.operating_conf, "iou": section.iou}
        batches = sorted({1, section.speed_batch})
        result = {
            **evaluation.to_json(),
            "model_version": card.get("model_version"),
            "operating_point": {
                "conf": section.operating_conf,
                **operating_table(records, section.operating_conf)["totals"],
            },
            "speed": measure_speed_task(weights, images, batches, predict_args, device),
            "size": model_size(weights, section.imgsz),
        }
        variants, skipped = export_variants(section.export.half, device) if section.export.onnx else ({}, {})
        if not section.export.onnx:
            skipped = {"onnx": "evaluate.export.onnx is false"}
        exported = export_task(weights, test_yaml, section.ultralytics_args(), device, work / "export", variants)
        result["export"] = {
            "variants": export_cost(exported, evaluation.map50_95, evaluation.map50),
            "skipped": skipped,
        }
        write_json(METRICS / "evaluate_images.json", operating_table(records, section.operating_conf))

        client = MlflowClient(tracking.tracking_uri())
        version = str(card.get("model_version"))
        champion = champion_version(client, params.tracking.registered_model)
        comparison = None
        if champion is not None and champion != version:
            old = fetch_champion_task(params.tracking.registered_model, champion, work / "champion")
            comparison = compare_with_champion(
                old, records, result, dataset, section, args, predict_args, images, work, params.project.seed
            )
        decision = decide(comparison, section.promotion.model_dump())
        if champion == version:
            decision = {**decision, "promote": True, "reasons": [f"version {version} already holds champion"]}
        registry = apply_decision(client, params.tracking.registered_model, version, decision)
        write_json(METRICS / "evaluate.json", result)
        write_json(METRICS / "compare.json", comparison or {"champion": None})
        decision_files = write_decision(OUT, decision, registry, section.promotion.model_dump())
        report = write_report(OUT / "report.md", result, comparison, decision, registry)
        _log_results(result, comparison, decision, registry)
        tracking.log_artifacts(
            [METRICS / "evaluate.json", METRICS / "compare.json", OUT / "pr_curve.csv", *plots, *decision_files, report]
        )
    return {**result, "comparison": comparison, "decision": decision, "registry": registry}


if __name__ == "__main__":
    main(evaluate_flow)
