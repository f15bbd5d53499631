"""`pytest --order reverse|shuffle[:SEED]`: run the suite in another order, to show no test needs the one before.

Modules move as wholes and the tests inside each are reordered too, so a module's fixtures are
still built once (pytest tears a module fixture down when the next test is in another module).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

import pytest

T = TypeVar("T")
HELP = "file (default), reverse, or shuffle[:SEED]: the order of the modules, and of the tests in each"


def reorderer(order: str) -> tuple[Callable[[Sequence[T]], list[T]] | None, str]:
    """The function that reorders a sequence for `order`, and the order as the header reports it."""
    if order == "file":
        return None, "file"
    if order == "reverse":
        return lambda items: list(reversed(items)), "reverse"
    kind, _, seed_text = order.partition(":")
    if kind != "shuffle" or (seed_text and not seed_text.isdigit()):
        raise pytest.UsageError(f"--order {order!r}: expected {HELP}")
    seed = int(seed_text) if seed_text else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    return lambda items: rng.sample(list(items), len(items)), f"shuffle:{seed} (rerun with --order shuffle:{seed})"


def reorder_items(items: list[pytest.Item], reorder: Callable[[Sequence], list]) -> list[pytest.Item]:
    """`items` with the modules, then the tests within each module, in `reorder`'s order."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::")[0], []).append(item)
    return [item for module in reorder(list(modules)) for item in reorder(modules[module])]
