"""`yoloop architectures`: train each candidate model yaml on the same data, then one table and one plot.

Not a DVC stage (it trains several models; run it when choosing an architecture). Each
candidate is trained with the train section's settings (epochs and data subset from
`architectures.epochs` and `architectures.data` when set), scored on the test split like
the evaluate stage, and timed in alternation with the others, so the speeds compare.
Results: reports/architectures/{table.md, table.json, speed_accuracy.png}, and one MLflow
run that holds them. Nothing is registered.
"""

from __future__ import annotations

from prefect import flow

from flows.stage import main
from tasks.core.paths import PREPARED, REPORTS, fresh_scratch
from tasks.core.prepared import read_card, stage_test_set, stage_training_set
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.evaluate.against_champion import timing_images
from tasks.evaluate.speed import model_size, paired_latency
from tasks.evaluate.validate import evaluate_detector
from tasks.ops import tracking
from tasks.studies.architectures import write_comparison
from tasks.train.fit import train_detector, ultralytics_args

train_task = as_task(train_detector)
evaluate_task = as_task(evaluate_detector)

OUT = REPORTS / "architectures"


@flow(name="architectures")
def architectures_flow(params: Params) -> list[dict]:
    """Train, score and time every model in `architectures.models`; write the table and the plot."""
    section, evaluate = params.architectures, params.evaluate
    device = resolve_device(params.project.device)
    dataset = read_card(PREPARED)
    work = fresh_scratch("architectures")
    subset = section.data or params.train.data
    data_yaml = stage_training_set(dataset, subset, work / "data")
    names = dataset.names_for(subset)
    test_yaml = stage_test_set(dataset, names, work / "test")
    train_args = ultralytics_args(params.train, device, params.project.seed)
    if section.epochs:
        train_args["epochs"] = section.epochs
    rows, weights = [], {}
    with tracking.stage_run(params.tracking, "architectures", section.model_dump(), str(PREPARED)):
        for model in section.models:
            stem = model.rsplit(".", 1)[0]
            outcome = train_task(model, data_yaml, train_args, work / f"train_{stem}")
            evaluation, _ = evaluate_task(
                outcome.weights,
                test_yaml,
                names,
                {**evaluate.ultralytics_args(), "device": device},
                work / f"val_{stem}",
            )
            weights[model] = outcome.weights
            size = model_size(outcome.weights, evaluate.imgsz)
            rows.append(
                {
                    "model": model,
                    "parameters": size["parameters"],
                    "gflops": size["gflops"],
                    "map50": evaluation.map50,
                    "map50_95": evaluation.map50_95,
                    "train_s": round(outcome.wall_s, 1),
                    "epochs": outcome.epochs,
                }
            )
        latency = paired_latency(
            weights, timing_images(dataset, evaluate.speed_images), evaluate.predictor_args(), device
        )
        for row in rows:
            row["latency_ms"] = latency[row["model"]]
        tracking.log_artifacts(write_comparison(rows, device, OUT, {"data": subset, "classes": names}))
    return rows


if __name__ == "__main__":
    main(architectures_flow)
