"""Stage `prepare`: write the dataset the other stages read, and its class statistics."""

from __future__ import annotations

from prefect import flow

from flows.stage import main
from tasks.core.paths import LABELS, METRICS, ORACLE, POOL, PREPARED, REPORTS
from tasks.core.prepared import PreparedDataset, write_card
from tasks.core.runtime import as_task
from tasks.core.schema import Params
from tasks.core.yolo_files import atomic_dir, write_json
from tasks.data.class_stats import imbalance_findings, imbalance_ratio, plot_class_stats, split_stats
from tasks.prepare.builtin import generate_builtin
from tasks.prepare.from_imports import prepare_from_datasets
from tasks.prepare.label_rounds import add_label_rounds

generate_builtin_task = as_task(generate_builtin)
split_stats_task = as_task(split_stats)
prepare_from_datasets_task = as_task(prepare_from_datasets)


@flow(name="prepare")
def prepare_flow(params: Params) -> dict:
    """Generate the built-in dataset, or merge the imported ones, into fresh folders; then swap them in."""
    section = params.prepare
    findings = []
    with atomic_dir(PREPARED) as prepared, atomic_dir(POOL) as pool, atomic_dir(ORACLE) as oracle:
        if section.source == "datasets":
            findings = prepare_from_datasets_task(section, params.imports, prepared, pool=pool, oracle=oracle)
        else:
            generate_builtin_task(section.builtin, section.classes, section.seed, prepared, pool, oracle)
        add_label_rounds(LABELS, prepared)  # labels taken back by `yoloop labels import`
        dataset = PreparedDataset(prepared, section.classes.base, section.classes.new)
        stats = {split: split_stats_task(path, dataset.names) for split, path in dataset.split_dirs().items()}
        write_card(dataset, stats)
    findings += imbalance_findings(stats, params.imports.imbalance_ratio, str(METRICS / "prepare.json"))
    plot_class_stats(stats, REPORTS / "prepare" / "class_stats.png")
    for finding in findings:
        if finding.severity != "note":
            print(f"{finding.severity}: {finding}")
    summary = {
        "images": {split: s["images"] for split, s in stats.items()},
        "instances": {split: {n: c["instances"] for n, c in s["classes"].items()} for split, s in stats.items()},
        "imbalance_ratio": {split: imbalance_ratio(s) for split, s in stats.items()},
        "backgrounds": {split: s["backgrounds"] for split, s in stats.items()},
        "warnings": [str(f) for f in findings if f.severity != "note"],
    }
    write_json(METRICS / "prepare.json", summary)
    return summary


if __name__ == "__main__":
    main(prepare_flow)
