"""Prefect tasks of the prepare stage."""

from flows.steps import as_task
from tasks.data import split_stats
from tasks.prepare import generate_builtin, prepare_from_datasets

generate_builtin_task = as_task(generate_builtin)
split_stats_task = as_task(split_stats)
prepare_from_datasets_task = as_task(prepare_from_datasets)
