"""The house rules, read from the code: which subpackage imports which, flows that only wire, small pieces."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tasks.ops.import_closure import imported_modules

ROOT = Path(__file__).resolve().parents[2]
SUBPACKAGES = sorted(p.name for p in (ROOT / "tasks").iterdir() if (p / "__init__.py").is_file())
MAX_FUNCTION_LINES, MAX_MODULE_LINES = 40, 250


def package_of(path: Path) -> str:
    """The package a module file belongs to (for relative imports): its folder, dotted."""
    return ".".join(path.relative_to(ROOT).parent.parts)


def imported_subpackages(subpackage: str) -> set[str]:
    """The other subpackages of tasks/ that the modules of `subpackage` import."""
    found = set()
    for path in (ROOT / "tasks" / subpackage).glob("*.py"):
        for module in imported_modules(path, package_of(path)):
            parts = module.split(".")
            if parts[0] == "tasks" and len(parts) > 1 and parts[1] in SUBPACKAGES and parts[1] != subpackage:
                found.add(parts[1])
    return found


def declared_subpackages(subpackage: str) -> set[str]:
    """What the subpackage's docstring says it imports: the `name/` words of its "Imports ..." sentence."""
    docstring = ast.get_docstring(ast.parse((ROOT / "tasks" / subpackage / "__init__.py").read_text())) or ""
    sentence = re.search(r"Imports ([^.]*)\.", docstring)
    assert sentence, f"tasks/{subpackage}/__init__.py: the docstring must say which subpackages it imports"
    return set(re.findall(r"(\w+)/", sentence.group(1)))


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("subpackage", SUBPACKAGES)
def test_each_docstring_names_exactly_what_its_subpackage_imports(subpackage):
    assert imported_subpackages(subpackage) == declared_subpackages(subpackage)


def test_the_subpackage_graph_has_no_cycle():
    graph = {name: imported_subpackages(name) for name in SUBPACKAGES}
    assert graph["core"] == set(), "core/ imports nothing else of tasks"
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as cycle:
        pytest.fail(f"the subpackages import each other in a cycle: {cycle.args[1]}")
    assert set(order) == set(SUBPACKAGES)


def test_a_cycle_would_be_seen():
    with pytest.raises(CycleError):
        list(TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())


def flow_modules() -> set[str]:
    """flows/ modules that define a Prefect flow."""
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in python_files("flows")
        if re.search(r"^@flow\b", path.read_text(), re.MULTILINE)
    }


def test_tasks_never_import_flows_and_flows_never_import_each_other():
    flows = flow_modules()
    assert {"flows.train", "flows.transfer", "flows.evaluate"} <= flows
    for path in python_files("tasks"):
        assert not [m for m in imported_modules(path, package_of(path)) if m.split(".")[0] == "flows"], path
    for path in python_files("flows"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        others = {m for m in imported_modules(path, package_of(path)) if m in flows and m != module}
        if module != "flows.cli":  # the command line dispatches to the flows (it is none itself)
            assert not others, f"{path.relative_to(ROOT)} imports the flows {sorted(others)}"


def oversized(folder: str) -> list[str]:
    found = []
    for path in python_files(folder):
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    return found


@pytest.mark.parametrize("folder", ["tasks", "flows"])
def test_modules_and_functions_stay_small(folder):
    assert not oversized(folder)
