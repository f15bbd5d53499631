"""The two arms of the oracle loop, as choosers: the mine stage's ranking, and uniform random sampling."""

from __future__ import annotations

from pathlib import Path

from tasks.core.schema_mine import MineParams
from tasks.loop.curves import choose_random
from tasks.loop.rounds import Chooser
from tasks.mine.pool_scoring import load_detector
from tasks.mine.rank import rank_pool


def mined_chooser(section: MineParams, device: str) -> Chooser:
    """The mine stage's ranking (uncertainty, uniqueness, de-duplication, class balance) as a chooser."""

    def choose(weights: Path, candidates: list[Path], k: int, _round: int) -> list[Path]:
        by_key = {image.as_posix(): image for image in candidates}  # the loop records no keys: any unique name
        detector = load_detector(weights, device)
        _, _, choices = rank_pool(detector, by_key, section.model_copy(update={"k": k}), set())
        return [by_key[choice.image] for choice in choices]

    return choose


def random_chooser(seed: int) -> Chooser:
    """k images drawn uniformly, the same for the same seed and round."""
    return lambda _weights, candidates, k, round_number: choose_random(candidates, k, seed, round_number)


def arm_choosers(arms: list[str], section: MineParams, device: str, seed: int) -> dict[str, Chooser]:
    """The chooser of each arm named in `active_learning.arms`, in that order."""
    makers = {"mined": lambda: mined_chooser(section, device), "random": lambda: random_chooser(seed)}
    return {arm: makers[arm]() for arm in arms}
