"""The active-learning loop, two ways.

`oracle_flow` (`yoloop active-learning`, or the deployment `active-learning-oracle-rounds/oracle`
through `oracle_rounds_flow`): rounds of mined vs random batches, labelled by the
oracle from the truth kept aside, trained and scored on the same test split; the report
says whether mining beat chance and by how many labels.

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
from tasks.core.schema_mine import MineParams
from tasks.loop.curves import choose_random, write_report
from tasks.loop.rounds import Chooser, LoopPlan, prepared_setup, run_oracle_rounds
from tasks.mine.labels_import import import_labels
from tasks.mine.pool_scoring import load_detector
from tasks.mine.rank import rank_pool
from tasks.ops import dvc_repo as dvc_ops
from tasks.ops import tracking
from tasks.train.fit import ultralytics_args

REPORT = REPORTS / "active_learning"
run_oracle_rounds_task = as_task(run_oracle_rounds)
reproduce_task = as_task(dvc_ops.reproduce)
import_labels_task = as_task(import_labels)


def mined_chooser(section: MineParams, device: str) -> Chooser:
    """The mine stage's ranking (uncertainty, uniqueness, de-duplication, class balance) as a chooser."""

    def choose(weights: Path, candidates: list[Path], k: int, _round: int) -> list[Path]:
        by_key = {image.as_posix(): image for image in candidates}
        detector = load_detector(weights, device)
        _, _, choices = rank_pool(detector, candidates, section.model_copy(update={"k": k}), set())
        return [by_key[choice.image] for choice in choices]

    return choose


def random_chooser(seed: int) -> Chooser:
    return lambda _weights, candidates, k, round_number: choose_random(candidates, k, seed, round_number)


@flow(name="active-learning-oracle")
def oracle_flow(params: Params) -> dict:
    """Rounds of both arms on the built-in data; reports/active_learning says whether mining beat random."""
    section = params.active_learning
    device, seed = resolve_device(params.project.device), params.project.seed
    setup = prepared_setup(read_card(PREPARED), POOL / "images", ORACLE / "labels", section.seed_images, seed)
    plan = LoopPlan(section.rounds, section.batch, section.epochs, section.transfer_epochs, section.retrain_every)
    makers = {"mined": lambda: mined_chooser(params.mine, device), "random": lambda: random_chooser(seed)}
    choosers = {arm: makers[arm]() for arm in section.arms}
    args = ultralytics_args(params.train, device, seed)
    with tracking.stage_run(params.tracking, "active-learning", section.model_dump(), str(PREPARED)):
        after_round = partial(write_report, dest=REPORT)  # the report after every round, not only the last
        points = run_oracle_rounds_task(
            setup, plan, choosers, params.train.model, args, fresh_scratch("al"), after_round
        )
        summary = write_report(points, REPORT)
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
