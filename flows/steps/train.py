"""Prefect tasks of training: the staged copies, the widened start, the training run itself."""

from flows.steps import as_task
from tasks.core.prepared import stage_training_set
from tasks.train.fit import train_detector
from tasks.train.transfer import stage_transfer_set
from tasks.train.widen_head import write_start_checkpoint

stage_training_set_task = as_task(stage_training_set)
stage_transfer_set_task = as_task(stage_transfer_set)
write_start_checkpoint_task = as_task(write_start_checkpoint)
# A failed attempt (a lost device, a torn file) is retried and resumes from its last checkpoint.
train_detector_task = as_task(train_detector, retries=1)
