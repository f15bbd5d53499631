"""The active-learning loop, two ways.

`oracle_flow` (`yoloop active-learning`, or the deployment `active-learning-oracle-rounds/oracle`
through `oracle_rounds_flow`): rounds of batches picked by each strategy (`active_learning.arms`),
labelled by the oracle from the truth kept aside, trained and scored on the same test split,
repeated with other seed sets (`active_learning.repeats`); the report gives each arm's curve
with its interval, AULC, and the paired difference to random.

`labelling_round_flow` (the `active-learning-round/round` deployment): one round with people.
It runs DVC in the repository (the mine stage exports data/relabel/round-N), pauses until
a labeller gives the folder of corrected labels, imports them (the dataset-import
validator, then `dvc add`), reproduces the pipeline (prepare, train, transfer, evaluate
and promotion, mine for the next round), and pushes the results to the DVC remote.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from prefect import flow, get_run_logger

from flows.steps.operations import import_labels_task, reproduce_task, run_repeats_task
from tasks.core import Layout, Params, load_params, project_root, read_card, resolve_device
from tasks.loop import LoopPlan, choosers_by_repeat, prepared_repeats, write_efficiency_report
from tasks.orchestration import WEEK_S, stage_main, wait_for_labels
from tasks.tracking import log_artifacts, stage_run
from tasks.train import ultralytics_args, with_resolved_train_model
from tasks.versioning import dvc_add, locked_outputs


@flow(name="active-learning-oracle")
def oracle_flow(params: Params, root: Path) -> dict:
    """Every arm (strategy) over `repeats` seed sets; reports/active_learning compares them with random."""
    section, layout = params.active_learning, Layout(root)
    work = layout.fresh_scratch("al")
    params = with_resolved_train_model(params, root, work / "start")  # seed models train from train.model
    device, seed = resolve_device(params.project.device), params.project.seed
    dataset, report_dir = read_card(layout.prepared), layout.reports / "active_learning"
    setup_for = prepared_repeats(dataset, layout.pool / "images", layout.oracle / "labels", section, seed)
    plan = LoopPlan(section.rounds, section.batch, section.epochs, section.transfer_epochs, section.retrain_every)
    args = ultralytics_args(params.train, device, seed)
    title, setup = f"Active learning: {', '.join(section.arms)} over {section.repeats} repeats", section.model_dump()
    # the report after every round, not only the last
    report = partial(write_efficiency_report, dest=report_dir, title=title, setup={"active_learning": setup})
    with stage_run(params.tracking, "active-learning", section.model_dump(), layout):
        choosers_for = choosers_by_repeat(section.arms, params.mine, device, seed)
        points = run_repeats_task(
            setup_for, choosers_for, section.repeats, plan, params.train.model, args, work, report
        )
        summary = report(points)
        log_artifacts([report_dir / "report.json", report_dir / "report.md", report_dir / "curve.png"])
    return summary


@flow(name="active-learning-oracle-rounds")
def oracle_rounds_flow(params_file: str = "params.yaml", repo: str = ".") -> dict:
    """The oracle loop as a deployment: params from the repository's file (the run's working directory)."""
    root = project_root(repo)
    return oracle_flow(load_params(root / params_file), root)


@flow(name="active-learning-round")
def labelling_round_flow(repo: str = ".", push: bool = True, timeout_s: int = WEEK_S) -> dict:
    """Mine, pause for labellers, import their labels, reproduce the pipeline, push."""
    logger, layout = get_run_logger(), Layout(project_root(repo).resolve())
    logger.info(reproduce_task(["mine"], {}, layout.root)[-2000:])
    round_number = load_params(layout.root / "params.yaml").mine.round
    labels_dir = wait_for_labels(layout.relabel / f"round-{round_number}", timeout_s)
    dest, count = import_labels_task(labels_dir, layout.relabel, layout.labels)
    dvc_add(dest)
    logger.info(f"imported {count} label files into {dest}")
    logger.info(reproduce_task([], {"mine.round": round_number + 1}, layout.root)[-3000:])
    if push:
        logger.info(push(layout.root))
    return locked_outputs(layout.root)


if __name__ == "__main__":
    stage_main(oracle_flow)
