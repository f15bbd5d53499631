"""Stage `evaluate`: the chosen stage's model on the test split, per class, with plots."""

from __future__ import annotations

import json

from prefect import flow

from flows.stage import main
from tasks import tracking
from tasks.datasets import read_card, stage_test_set
from tasks.evaluate import copy_plots, evaluate_detector, write_pr_curve
from tasks.params_schema import Params
from tasks.paths import METRICS, MODEL_CARD, PREPARED, REPORTS, WEIGHTS_FILE, fresh_scratch, model_dir
from tasks.runtime import as_task, resolve_device
from tasks.yolo_files import write_json

stage_test_set_task = as_task(stage_test_set)
evaluate_detector_task = as_task(evaluate_detector)


@flow(name="evaluate")
def evaluate_flow(params: Params) -> dict:
    """Evaluate `models/<evaluate.model>` on a copy of the test split remapped to the model's classes."""
    section = params.evaluate
    dataset = read_card(PREPARED)
    source = model_dir(section.model)
    card = json.loads((source / MODEL_CARD).read_text())
    work = fresh_scratch("evaluate")
    test_yaml = stage_test_set_task(dataset, card["names"], work / "data")
    args = {**section.model_dump(exclude={"model"}), "device": resolve_device(params.project.device)}
    with tracking.stage_run(params.tracking, "evaluate", section.model_dump(), str(PREPARED)):
        evaluation, metrics = evaluate_detector_task(
            source / WEIGHTS_FILE, test_yaml, dataset.names, args, work / "run"
        )
        write_pr_curve(metrics, card["names"], REPORTS / "evaluate" / "pr_curve.csv")
        plots = copy_plots(work / "run", REPORTS / "evaluate")
        result = {**evaluation.to_json(), "model_version": card.get("model_version")}
        write_json(METRICS / "evaluate.json", result)
        tracking.log_metrics(
            {
                "test_map50": evaluation.map50,
                "test_map50_95": evaluation.map50_95,
                "test_precision": evaluation.precision,
                "test_recall": evaluation.recall,
                **{f"test_ap50_95_{n}": c["ap50_95"] for n, c in evaluation.per_class.items()},
                **{f"speed_ms_{k}": v for k, v in evaluation.speed_ms.items()},
            }
        )
        tracking.log_artifacts([METRICS / "evaluate.json", REPORTS / "evaluate" / "pr_curve.csv", *plots])
    return result


if __name__ == "__main__":
    main(evaluate_flow)
