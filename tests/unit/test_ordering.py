"""`--order`: modules move as wholes, the tests inside each are reordered, a seed gives the same order again."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from tests.ordering import reorder_items, reorderer


@dataclass
class Item:
    nodeid: str


ITEMS = [Item(f"tests/{m}.py::t{i}") for m in ("a", "b", "c") for i in range(4)]


def modules(items: list[Item]) -> list[str]:
    """The modules in run order, once per contiguous run of their tests."""
    return [module for module, _ in itertools.groupby(item.nodeid.split("::")[0] for item in items)]


def test_reverse_runs_the_last_test_first():
    reorder, label = reorderer("reverse")
    assert reorder_items(ITEMS, reorder) == ITEMS[::-1] and label == "reverse"


def test_shuffle_keeps_each_module_together_and_repeats_with_its_seed():
    orders = [reorder_items(ITEMS, reorderer("shuffle:7")[0]) for _ in range(2)]
    assert orders[0] == orders[1] and orders[0] != ITEMS and sorted(map(str, orders[0])) == sorted(map(str, ITEMS))
    assert sorted(modules(orders[0])) == ["tests/a.py", "tests/b.py", "tests/c.py"], "a module's tests stay together"
    assert reorder_items(ITEMS, reorderer("shuffle:8")[0]) != orders[0]


def test_file_order_changes_nothing_and_a_bad_order_is_refused():
    assert reorderer("file") == (None, "file")
    assert reorderer("shuffle")[1].startswith("shuffle:")
    with pytest.raises(pytest.UsageError, match="--order 'sideways'"):
        reorderer("sideways")
