"""The loop's arms are selection strategies: each arm chooses its batches with the mine stage's code.

An arm named after a `mine.strategy` scores the candidates with its own current model and picks
through tasks/mine/strategies.py, exactly as `dvc repro mine` would with that strategy; the
`random` arm draws without a model. `run_repeats` runs the whole comparison once per repeat,
each repeat with another seed set (and training seed), all arms of a repeat sharing it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.core import ActiveLearningParams, MineParams, PreparedDataset
from tasks.loop.curves import CurvePoint, choose_random
from tasks.loop.rounds import Chooser, Fit, LoopPlan, OracleSetup, fit_and_score, prepared_setup, run_oracle_rounds
from tasks.mine import effective_rule, load_detector, rank_pool, score_images


def strategy_chooser(strategy: str, section: MineParams, device: str, seed: int) -> Chooser:
    """A chooser that picks like the mine stage with `mine.strategy: <strategy>` (k and round from the loop)."""
    if strategy == "random":
        return lambda _weights, candidates, _labelled, k, round_number: (
            choose_random(candidates, k, seed, round_number),
            "random",
        )

    def choose(weights: Path, candidates: list[Path], labelled: list[Path], k: int, round_number: int):
        detector = load_detector(weights, device)
        arm = section.model_copy(update={"strategy": strategy, "k": k, "round": round_number})
        rule, _ = effective_rule(strategy, detector.val_map50_95, arm.cold_start)
        covered = [] if rule == "uncertainty" else [i.embedding for i in score_images(detector, labelled, arm, False)]
        by_key = {image.as_posix(): image for image in candidates}  # the loop records no keys: any unique name
        _, _, choices = rank_pool(detector, by_key, arm, set(), covered, seed)
        return [by_key[choice.image] for choice in choices], rule

    return choose


def strategy_choosers(arms: list[str], section: MineParams, device: str, seed: int) -> dict[str, Chooser]:
    return {arm: strategy_chooser(arm, section, device, seed) for arm in arms}


def choosers_by_repeat(
    arms: list[str], section: MineParams, device: str, seed: int
) -> Callable[[int], dict[str, Chooser]]:
    """The arms of repeat r draw (the random arm) with seed + r."""
    return lambda repeat: strategy_choosers(arms, section, device, seed + repeat)


def prepared_repeats(
    dataset: PreparedDataset, pool: Path, oracle: Path, section: ActiveLearningParams, seed: int
) -> Callable[[int], OracleSetup]:
    """Repeat r: its own seed set (and pool and val samples) drawn with seed + r from the prepared data."""
    sizes = (section.pool_images, section.val_images)
    return lambda repeat: prepared_setup(dataset, pool, oracle, section.seed_images, seed + repeat, *sizes)


def repeat_args(args: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Each repeat trains with its own seed (the arms of one repeat share it)."""
    return {**args, "seed": int(args.get("seed", 0)) + repeat}


def _after_earlier(after_round: Callable[[list[CurvePoint]], Any], earlier: list[CurvePoint]):
    """The report hook of one repeat: it sees the points of the repeats before it, then this one's."""
    return lambda so_far: after_round(earlier + so_far)


def run_repeats(
    setup_for: Callable[[int], OracleSetup],
    choosers_for: Callable[[int], dict[str, Chooser]],
    repeats: int,
    plan: LoopPlan,
    model_yaml: str,
    args: dict[str, Any],
    work: Path,
    after_round: Callable[[list[CurvePoint]], Any] | None = None,
    fit: Fit = fit_and_score,
) -> list[CurvePoint]:
    """`repeats` paired runs of every arm in `work/repeat-<r>`; `after_round` sees all points so far."""
    points: list[CurvePoint] = []
    for repeat in range(repeats):
        progress = _after_earlier(after_round, list(points)) if after_round else None
        points += run_one_repeat(setup_for, choosers_for, repeat, plan, model_yaml, args, work, progress, fit)
    return points


def run_one_repeat(
    setup_for: Callable[[int], OracleSetup],
    choosers_for: Callable[[int], dict[str, Chooser]],
    repeat: int,
    plan: LoopPlan,
    model_yaml: str,
    args: dict[str, Any],
    work: Path,
    after_round: Callable[[list[CurvePoint]], Any] | None = None,
    fit: Fit = fit_and_score,
) -> list[CurvePoint]:
    """Repeat `repeat` on its own: its seed set, its choosers, its training seed, in `work/repeat-<r>`.

    Repeats share nothing but read-only data, so a benchmark may run several at once (one process each).
    """
    setup, choosers = setup_for(repeat), choosers_for(repeat)
    where, seeded = work / f"repeat-{repeat}", repeat_args(args, repeat)
    return run_oracle_rounds(setup, plan, choosers, model_yaml, seeded, where, after_round, fit, repeat)
