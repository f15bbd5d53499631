"""Stage `evaluate`: the chosen stage's model on the test split, against the champion, then promote or not.

Writes metrics/evaluate.json (the headline, a DVC metric: tasks/core/headline.py),
metrics/evaluate_details.json (accuracy, per class, confusion matrix, speed, size, exports, forgetting),
metrics/evaluate_images.json (per-image TP/FP/FN), metrics/compare.json, and
reports/evaluate/{report.md, decision.json, decision.md} plus Ultralytics' plots.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.steps.evaluate import candidate_version_task, judge_task, score_forgetting_task, score_model_task
from tasks.core import WEIGHTS_FILE, Layout, Params, read_card, read_model_card, require_weights
from tasks.evaluate import CandidateModel, log_evaluation, write_evaluation
from tasks.loop import write_loop_page
from tasks.orchestration import stage_main
from tasks.tracking import stage_run


@flow(name="evaluate")
def evaluate_flow(params: Params, root: Path) -> dict:
    """Evaluate `models/<evaluate.model>` on the test split, compare it with the champion, apply the rule."""
    section, layout = params.evaluate, Layout(root)
    dataset = read_card(layout.prepared)
    source = layout.model_dir(section.model)
    card, weights = read_model_card(source), require_weights(source / WEIGHTS_FILE)
    work = layout.fresh_scratch("evaluate")
    version = candidate_version_task(params.tracking, layout, card, weights)  # under the current registered name
    with stage_run(params.tracking, "evaluate", section.model_dump(), layout):
        result, records = score_model_task(params, layout, dataset, card["names"], weights, version, work)
        result["forgetting"] = score_forgetting_task(params, layout, dataset, result["per_class"], work)
        candidate = CandidateModel(weights, card["names"], version, records)
        comparison, decision, registry = judge_task(params, dataset, candidate, result["forgetting"], work)
        files = write_evaluation(layout, section, result, comparison, decision, registry)
        log_evaluation(result, comparison, decision, registry, files)
    write_loop_page(params, layout, evaluated=True)
    return {**result, "comparison": comparison, "decision": decision, "registry": registry}


if __name__ == "__main__":
    stage_main(evaluate_flow)
