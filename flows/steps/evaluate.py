"""Prefect tasks of evaluation: the candidate's registered version, its scores, the forgetting check, the verdict."""

from flows.steps import as_task
from tasks.evaluate.candidate import candidate_version
from tasks.evaluate.scoring import score_forgetting, score_model
from tasks.evaluate.validate import evaluate_detector
from tasks.evaluate.verdict import judge

candidate_version_task = as_task(candidate_version)
score_model_task = as_task(score_model)
score_forgetting_task = as_task(score_forgetting)
judge_task = as_task(judge)
evaluate_detector_task = as_task(evaluate_detector)
