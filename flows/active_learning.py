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

from flows.labelling import wait_for_labels
from flows.stage import main
from tasks.core.params import load_params
from tasks.core.paths import LABELS, ORACLE, POOL, PREPARED, RELABEL, REPORTS, fresh_scratch
from tasks.core.prepared import read_card
from tasks.core.runtime import as_task, resolve_device
from tasks.core.schema import Params
from tasks.loop.arms import choosers_by_repeat, prepared_repeats, run_repeats
from tasks.loop.efficiency_report import write_efficiency_report
from tasks.loop.rounds import LoopPlan
from tasks.mine.labels_import import import_labels
from tasks.ops import dvc_repo as dvc_ops
from tasks.ops import tracking
from tasks.train.fit import ultralytics_args

REPORT = REPORTS / "active_learning"
run_repeats_task = as_task(run_repeats)
reproduce_task = as_task(dvc_ops.reproduce)
import_labels_task = as_task(import_labels)


@flow(name="active-learning-oracle")
def oracle_flow(params: Params) -> dict:
    """Every arm (strategy) over `repeats` seed sets; reports/active_learning compares them with random."""
    section = params.active_learning
    device, seed = resolve_device(params.project.device), params.project.seed
    setup_for = prepared_repeats(read_card(PREPARED), POOL / "images", ORACLE / "labels", section, seed)
    plan = LoopPlan(section.rounds, section.batch, section.epochs, section.transfer_epochs, section.retrain_every)
    args = ultralytics_args(params.train, device, seed)
    title = f"Active learning: {', '.join(section.arms)} over {section.repeats} repeats"

    # the report after every round, not only the last
    report = partial(write_efficiency_report, dest=REPORT, title=title, setup={"active_learning": section.model_dump()})

    with tracking.stage_run(params.tracking, "active-learning", section.model_dump(), str(PREPARED)):
        choosers_for = choosers_by_repeat(section.arms, params.mine, device, seed)
        points = run_repeats_task(
            setup_for, choosers_for, section.repeats, plan, params.train.model, args, fresh_scratch("al"), report
        )
        summary = report(points)
        tracking.log_artifacts([REPORT / "report.json", REPORT / "report.md", REPORT / "curve.png"])
    return summary


@flow(name="active-learning-oracle-rounds")
def oracle_rounds_flow(params_file: str = "params.yaml") -> dict:
    """The oracle loop as a deployment: params from the repository's file (the run's working directory)."""
    return oracle_flow(load_params(Path(params_file)))


@flow(name="active-learning-round")
def labelling_round_flow(repo: str = ".", push: bool = True, timeout_s: int = 7 * 24 * 3600) -> dict:
    """Mine, pause for labellers, import their labels, reproduce the pipeline, push."""
    logger, root = get_run_logger(), Path(repo).resolve()
    logger.info(reproduce_task(["mine"], {}, root)[-2000:])
    round_number = load_params(root / "params.yaml").mine.round
    labels_dir = wait_for_labels(root / RELABEL / f"round-{round_number}", timeout_s)
    dest, count = import_labels_task(labels_dir, root / RELABEL, root / LABELS)
    dvc_ops.dvc("add", str(dest), repo=root)
    logger.info(f"imported {count} label files into {dest}")
    logger.info(reproduce_task([], {"mine.round": round_number + 1}, root)[-3000:])
    if push:
        logger.info(dvc_ops.push(root))
    return dvc_ops.locked_outputs(root)


if __name__ == "__main__":
    main(oracle_flow)
