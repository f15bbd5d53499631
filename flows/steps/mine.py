"""Prefect tasks of mining: scoring and ranking the pool, the relabel batch, the FiftyOne index."""

from flows.steps import as_task
from tasks.index import rebuild_index
from tasks.mine import export_relabel_batch, rank_pool, score_images

rank_pool_task = as_task(rank_pool)
score_images_task = as_task(score_images)
export_relabel_batch_task = as_task(export_relabel_batch)
rebuild_index_task = as_task(rebuild_index)
