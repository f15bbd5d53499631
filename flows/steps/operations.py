"""Prefect tasks of the operations flows: DVC in the repository, labels taken back, the oracle loop's repeats."""

from flows.steps import as_task
from tasks.loop.arms import run_repeats
from tasks.mine.labels_import import import_labels
from tasks.ops.dvc_repo import push, reproduce

reproduce_task = as_task(reproduce)
push_task = as_task(push, retries=2)
import_labels_task = as_task(import_labels)
run_repeats_task = as_task(run_repeats)
