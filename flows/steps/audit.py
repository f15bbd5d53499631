"""Prefect tasks of the label audit: a fold model trained and predicting its held-out fold, then the scores."""

from flows.steps import as_task
from tasks.audit import find_label_issues, train_and_predict

# A failed fold (a lost device) is retried and resumes from its last checkpoint.
train_and_predict_task = as_task(train_and_predict, retries=1)
find_label_issues_task = as_task(find_label_issues)
