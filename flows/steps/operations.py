"""Prefect tasks of the operations flows: DVC in the repository, runs in a clone of their own (the remote
check, the pull, the published result branch), labels taken back, the oracle loop's repeats."""

from flows.steps import as_task
from tasks.labelling import import_labels
from tasks.loop import run_repeats
from tasks.versioning import check_remote, publish_run, pull_data, push, reproduce

reproduce_task = as_task(reproduce)
push_task = as_task(push, retries=2)
import_labels_task = as_task(import_labels)
run_repeats_task = as_task(run_repeats)
check_remote_task = as_task(check_remote)
pull_data_task = as_task(pull_data, retries=2)
publish_run_task = as_task(publish_run)
