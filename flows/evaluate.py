"""Stage `evaluate`: the chosen stage's model on the test split, against the champion, then promote or not.

Writes metrics/evaluate.json (accuracy, per class, confusion matrix, speed, size),
metrics/evaluate_images.json (per-image TP/FP/FN), metrics/compare.json, and
reports/evaluate/{report.md, decision.json, decision.md} plus Ultralytics' plots.
"""

from __future__ import annotations

import json
from pathlib import Path

from prefect import flow

from flows.stage import main
from tasks.core.errors import InputError
from tasks.core.paths import METRICS, MODEL_CARD, PREPARED, REPORTS, WEIGHTS_FILE, fresh_scratch, model_dir
from tasks.core.prepared import PreparedDataset, read_card, stage_test_set
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.core.yolo_files import write_json
from tasks.evaluate.against_champion import Candidate, compare_with_champion, timing_images
from tasks.evaluate.export_check import calibration_images, export_and_score, export_cost, export_variants
from tasks.evaluate.forgetting import ap_by_class, check_forgetting, veto_forgetting
from tasks.evaluate.per_image import operating_table
from tasks.evaluate.promotion import apply_decision, champion_version, decide, settle
from tasks.evaluate.report import write_decision, write_report
from tasks.evaluate.speed import measure_speed, model_size
from tasks.evaluate.validate import PLOT_FILES, copy_plots, evaluate_with_image_stats, write_pr_curve
from tasks.ops import tracking
from tasks.ops.registry import fetch_version_weights

stage_test_set_task = as_task(stage_test_set)
evaluate_task = as_task(evaluate_with_image_stats)
measure_speed_task = as_task(measure_speed)
export_task = as_task(export_and_score)
fetch_champion_task = as_task(fetch_version_weights, name="fetch-champion")
compare_task = as_task(compare_with_champion)

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


def score_model(params: Params, dataset: PreparedDataset, card: dict, weights: Path, work: Path) -> tuple[dict, list]:
    """Accuracy, per-image counts, speed, size and the export check of the model under evaluation."""
    section, device = params.evaluate, resolve_device(params.project.device)
    test_yaml = stage_test_set_task(dataset, card["names"], work / "data")
    args = {**section.ultralytics_args(), "device": device}
    evaluation, metrics, records = evaluate_task(
        weights, test_yaml, dataset.names, args, work / "run", section.operating_conf
    )
    write_pr_curve(metrics, card["names"], OUT / "pr_curve.csv")
    copy_plots(work / "run", OUT)
    table = operating_table(records, section.operating_conf)
    write_json(METRICS / "evaluate_images.json", table)
    images, batches = timing_images(dataset, section.speed_images), sorted({1, section.speed_batch})
    export = section.export
    variants, skipped = export_variants(export.onnx, export.half, export.int8, device)
    calibration = calibration_images(dataset, export.calibration_images)
    exported = export_task(
        weights, test_yaml, section.ultralytics_args(), device, work / "export", variants, calibration
    )
    result = {
        **evaluation.to_json(),
        "model_version": card.get("model_version"),
        "operating_point": {"conf": section.operating_conf, **table["totals"]},
        "speed": measure_speed_task(weights, images, batches, section.predictor_args(), device),
        "size": model_size(weights, section.imgsz),
        "export": {"variants": export_cost(exported, evaluation.map50_95, evaluation.map50), "skipped": skipped},
    }
    return result, records


def judge(params: Params, dataset: PreparedDataset, candidate: Candidate, forgetting: dict, work: Path) -> tuple:
    """Compare with the champion (if another version holds it), decide, and move the aliases the rule allows.

    A model flagged for forgetting old classes is never promoted, whatever the comparison says.
    """
    from mlflow import MlflowClient

    client, name = MlflowClient(tracking.tracking_uri()), params.tracking.registered_model
    champion, comparison = champion_version(client, name), None
    if champion is not None and champion != candidate.version:
        old = fetch_champion_task(name, champion, work / "champion")
        if not set(old.names) & set(dataset.names):
            raise InputError(
                f"params.yaml: tracking.registered_model: the champion of {name!r} (version {champion}) knows "
                f"{old.names}, none of this dataset's classes {dataset.names}; give this dataset a registered "
                "model of its own"
            )
        device = resolve_device(params.project.device)
        comparison = compare_task(candidate, old, dataset, params.evaluate, device, work, params.project.seed)
    decision = decide(comparison, params.evaluate.promotion.model_dump())
    if champion is not None and champion == candidate.version:
        decision = {**decision, "first_model": False, "reasons": [f"version {champion} already holds champion"]}
    if champion != candidate.version:
        decision = veto_forgetting(decision, forgetting["flags"])
    if candidate.version is None:
        registry = {"champion_before": champion, "champion_after": champion, "changed": False, "version": None}
        return comparison, {**decision, "promote": False, "reasons": ["the model is not registered"]}, registry
    return comparison, decision, apply_decision(client, name, candidate.version, decision, compared_with=champion)


def forgetting_check(params: Params, dataset: PreparedDataset, per_class: dict, work: Path) -> dict:
    """Flag old classes (those of `forgetting.reference`'s model) whose test mAP50-95 fell beyond the tolerance."""
    reference = params.forgetting.reference
    if reference == params.evaluate.model:
        return {"reference": None, "flags": [], "note": "the evaluated model is the reference itself"}
    source = model_dir(reference)
    names = json.loads((source / MODEL_CARD).read_text())["names"]
    test_yaml = stage_test_set_task(dataset, names, work / "reference-data")
    args = {**params.evaluate.ultralytics_args(), "device": resolve_device(params.project.device)}
    before, _, _ = evaluate_task(source / WEIGHTS_FILE, test_yaml, dataset.names, args, work / "reference")
    tolerance = params.forgetting.tolerance
    flags = check_forgetting(ap_by_class(before.per_class), ap_by_class(per_class), names, tolerance)
    return {"reference": reference, "old_classes": names, "flags": [flag.to_json() for flag in flags]}


@flow(name="evaluate")
def evaluate_flow(params: Params) -> dict:
    """Evaluate `models/<evaluate.model>` on the test split, compare it with the champion, apply the rule."""
    section = params.evaluate
    dataset = read_card(PREPARED)
    source = model_dir(section.model)
    card = json.loads((source / MODEL_CARD).read_text())
    work = fresh_scratch("evaluate")
    weights = source / WEIGHTS_FILE
    with tracking.stage_run(params.tracking, "evaluate", section.model_dump(), str(PREPARED)):
        result, records = score_model(params, dataset, card, weights, work)
        result["forgetting"] = forgetting_check(params, dataset, result["per_class"], work)
        version = str(card["model_version"]) if card.get("model_version") else None
        candidate = Candidate(weights, card["names"], version, records)
        # compare-and-set: if another evaluation moved the champion meanwhile, compare against the new one
        comparison, decision, registry = settle(lambda: judge(params, dataset, candidate, result["forgetting"], work))
        write_json(METRICS / "evaluate.json", result)
        write_json(METRICS / "compare.json", comparison or {"champion": registry["champion_before"]})
        files = write_decision(OUT, decision, registry, section.promotion.model_dump())
        files.append(write_report(OUT / "report.md", result, comparison, decision, registry))
        _log_results(result, comparison, decision, registry)
        plots = [OUT / name for name in PLOT_FILES if (OUT / name).exists()]
        tracking.log_artifacts(
            [METRICS / "evaluate.json", METRICS / "compare.json", OUT / "pr_curve.csv", *plots, *files]
        )
    return {**result, "comparison": comparison, "decision": decision, "registry": registry}


if __name__ == "__main__":
    main(evaluate_flow)
