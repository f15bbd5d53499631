"""Prefect tasks of training: the staged copies, the widened start, the training run itself."""

from flows.steps import as_task
from tasks.core import stage_training_set
from tasks.train import stage_transfer_set, train_detector, train_detector_in_process, write_start_checkpoint

stage_training_set_task = as_task(stage_training_set)
stage_transfer_set_task = as_task(stage_transfer_set)
write_start_checkpoint_task = as_task(write_start_checkpoint)
# A failed attempt (a lost device, a torn file) is retried and resumes from its last checkpoint.
train_detector_task = as_task(train_detector, retries=1)
# The same, in a process of its own: the economics study trains D beside A, B and C (economics.jobs: 2).
train_detector_in_process_task = as_task(train_detector_in_process, retries=1)
