"""Prefect tasks of evaluation: the candidate's registered version, its scores, the forgetting check, the verdict."""

from flows.steps import as_task
from tasks.evaluate import evaluate_detector, judge, score_forgetting, score_model
from tasks.tracking import candidate_version

candidate_version_task = as_task(candidate_version)
score_model_task = as_task(score_model)
score_forgetting_task = as_task(score_forgetting)
judge_task = as_task(judge)
evaluate_detector_task = as_task(evaluate_detector)
