"""Stage `prepare`: write the dataset the other stages read, and its class statistics."""

from __future__ import annotations

from pathlib import Path

from prefect import flow

from flows.steps.prepare import generate_builtin_task, prepare_from_datasets_task, split_stats_task
from tasks.core import Layout, Params, PreparedDataset, atomic_dir, write_card
from tasks.data import plot_class_stats
from tasks.orchestration import stage_main
from tasks.prepare import add_label_rounds, write_prepare_summary


@flow(name="prepare")
def prepare_flow(params: Params, root: Path) -> dict:
    """Generate the built-in dataset, or merge the imported ones, into fresh folders; then swap them in."""
    section, layout = params.prepare, Layout(root)
    findings = []
    with atomic_dir(layout.prepared) as prepared, atomic_dir(layout.pool) as pool, atomic_dir(layout.oracle) as oracle:
        if section.source == "datasets":
            findings = prepare_from_datasets_task(section, params.imports, prepared, layout.raw, pool, oracle)
        else:
            generate_builtin_task(section.builtin, section.classes, section.seed, prepared, pool, oracle)
        add_label_rounds(layout, prepared)  # labels taken back by `yoloop labels import`
        dataset = PreparedDataset(prepared, section.classes.base, section.classes.new)
        stats = {split: split_stats_task(path, dataset.names) for split, path in dataset.split_dirs().items()}
        write_card(dataset, stats)
    plot_class_stats(stats, layout.reports / "prepare" / "class_stats.png")
    return write_prepare_summary(layout, stats, findings, params.imports.imbalance_ratio)


if __name__ == "__main__":
    stage_main(prepare_flow)
