"""Prefect tasks of the operations flows: DVC in the repository, labels taken back, the oracle rounds."""

from flows.steps import as_task
from tasks.loop.rounds import run_oracle_rounds
from tasks.mine.labels_import import import_labels
from tasks.ops.dvc_repo import push, reproduce

reproduce_task = as_task(reproduce)
push_task = as_task(push, retries=2)
import_labels_task = as_task(import_labels)
run_oracle_rounds_task = as_task(run_oracle_rounds)
