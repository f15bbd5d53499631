"""Prefect tasks of mining: scoring and ranking the pool, the relabel batch, the FiftyOne index."""

from flows.steps import as_task
from tasks.mine.fiftyone_index import rebuild_index
from tasks.mine.pool_scoring import score_images
from tasks.mine.rank import rank_pool
from tasks.mine.relabel_export import export_relabel_batch

rank_pool_task = as_task(rank_pool)
score_images_task = as_task(score_images)
export_relabel_batch_task = as_task(export_relabel_batch)
rebuild_index_task = as_task(rebuild_index)
