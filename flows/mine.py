"""Stage `mine`: score the unlabelled pool, pick a relabel batch, hand it out, and index it all in FiftyOne.

Outputs: data/relabel/round-<mine.round> (the batch, with the label audit's share when
`mine.audit_share` > 0) and reports/mine (predictions, scores, summary); the FiftyOne dataset
`mine.fiftyone_dataset` is rebuilt from those files (and reports/audit); the loop page is rewritten.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.steps.mine import export_relabel_batch_task, rank_pool_task, rebuild_index_task, score_images_task
from tasks.core import (
    WEIGHTS_FILE,
    Layout,
    Params,
    list_images,
    read_card,
    read_model_card,
    require_weights,
    resolve_device,
)
from tasks.loop import write_loop_page
from tasks.mine import (
    batch_header,
    earlier_choices,
    load_detector,
    require_pool,
    share_batch_with_audit,
    training_embeddings,
    write_mine_summary,
    write_pool_reports,
)
from tasks.orchestration import stage_main


@flow(name="mine")
def mine_flow(params: Params, root: Path) -> dict:
    """Score the pool with `models/<mine.model>`, choose `k` images, export them, rebuild the FiftyOne index."""
    section, layout = params.mine, Layout(root)
    dataset = read_card(layout.prepared)
    earlier = earlier_choices(layout.relabel, layout.labels, section.round)
    images = {layout.key(image): image for image in list_images(layout.pool / "images")}
    require_pool(list(images), earlier, layout.key(layout.pool / "images"), params.prepare, section)
    source = layout.model_dir(section.model)
    card = read_model_card(source)
    detector = load_detector(require_weights(source / WEIGHTS_FILE), resolve_device(params.project.device))
    labelled_images = [image for folder in dataset.split_dirs().values() for image in list_images(folder)]
    labelled = score_images_task(detector, labelled_images, section, False)
    covered = training_embeddings(labelled, dataset.split_dirs())  # what a diverse pick counts as covered
    pool, table, choices = rank_pool_task(detector, images, section, earlier, covered, params.project.seed)
    choices, audit = share_batch_with_audit(layout, section, dataset.names, earlier, choices)
    header = batch_header(section, card, earlier, detector.val_map50_95)
    batch_dir = layout.relabel / f"round-{section.round}"
    export_relabel_batch_task(
        choices, pool, table, detector.names, dataset.names, header, batch_dir, section.draft_conf, audit
    )
    write_pool_reports(layout, header["model"], detector.names, [*pool.values(), *labelled], table)
    _, views = rebuild_index_task(section.fiftyone_dataset, section.low_confidence, dataset, layout)
    summary = write_mine_summary(layout, section, table, earlier, choices, views, audit)
    write_loop_page(params, layout)
    return summary


if __name__ == "__main__":
    stage_main(mine_flow)
