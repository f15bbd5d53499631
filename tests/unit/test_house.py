"""The house rules, read from the code: which room imports which, each room's public face, flows that are
flows, and modules and functions of a readable size."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tasks.versioning import imported_modules
from tasks.versioning.import_closure import lazy_exports

ROOT = Path(__file__).resolve().parents[2]
SUBPACKAGES = sorted(p.name for p in (ROOT / "tasks").iterdir() if (p / "__init__.py").is_file())
MAX_FUNCTION_LINES, MAX_MODULE_LINES = 60, 400
CHECKED_FOLDERS = ["tasks", "flows", "cli"]


def package_of(path: Path) -> str:
    """The package a module file belongs to (for relative imports): its folder, dotted."""
    return ".".join(path.relative_to(ROOT).parent.parts)


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


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


def test_the_rooms_that_talk_to_a_system_are_there_and_ops_is_gone():
    assert {"tracking", "orchestration", "versioning", "labelling", "index"} <= set(SUBPACKAGES)
    assert not (ROOT / "tasks" / "ops").exists()


def flow_modules() -> set[str]:
    """flows/ modules that define a Prefect flow."""
    return {module_of(path) for path in python_files("flows") if re.search(r"^@flow\b", path.read_text(), re.MULTILINE)}


def test_flows_holds_only_flows_and_the_prefect_tasks_they_share():
    others = {module_of(p) for p in python_files("flows") if p.parent.name != "steps" and p.name != "__init__.py"}
    assert {"flows.train", "flows.transfer", "flows.evaluate"} <= flow_modules()
    assert others - flow_modules() == set(), "a module of flows/ that defines no flow belongs in tasks/ or cli/"


def test_tasks_never_import_flows_or_the_cli_and_flows_never_import_each_other():
    flows = flow_modules()
    for path in python_files("tasks"):
        above = [m for m in imported_modules(path, package_of(path)) if m.split(".")[0] in ("flows", "cli")]
        assert not above, path
    for path in python_files("flows"):
        others = {m for m in imported_modules(path, package_of(path)) if m in flows and m != module_of(path)}
        assert not others, f"{path.relative_to(ROOT)} imports the flows {sorted(others)}"


def exports(room: str) -> dict[str, str]:
    return lazy_exports(ROOT / "tasks" / room / "__init__.py")


def top_level_names(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


@pytest.mark.parametrize("room", SUBPACKAGES)
def test_each_room_exports_its_public_face_lazily(room):
    """The face lists what other rooms, the flows and the CLI use; importing the room runs none of its modules,
    so a stage's import closure (and its dvc.yaml deps) takes only the modules whose names it uses."""
    init = ROOT / "tasks" / room / "__init__.py"
    table = exports(room)
    assert table, f"tasks/{room}/__init__.py exports nothing"
    for name, module in table.items():
        assert name in top_level_names(ROOT / "tasks" / room / f"{module}.py"), f"tasks.{room}.{module} has no {name}"
    modules = {p.stem for p in init.parent.glob("*.py")}
    shadowed = {name for name, module in table.items() if name in modules and name != module}
    assert not shadowed, f"exported names shadowed by a module of the same name once that module loads: {shadowed}"
    eager = {m for m in imported_modules(init, f"tasks.{room}") if m != "lazy_loader"}
    assert not eager, f"tasks/{room}/__init__.py imports {sorted(eager)} when the room is imported"


def face_violations(path: Path, root: Path = ROOT) -> list[str]:
    """Imports of another room that pass by its public face: a deep module, the room as a module, a name it does
    not export."""
    here = path.relative_to(root).parts
    own_room = here[1] if here[0] == "tasks" and len(here) > 2 else None
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("tasks.")]
        if not isinstance(node, ast.ImportFrom) or node.level or not (node.module or "").startswith("tasks"):
            continue
        parts = node.module.split(".")
        if parts == ["tasks"]:
            found.append(f"from tasks import {', '.join(a.name for a in node.names)}")
        elif parts[1] != own_room and len(parts) > 2:
            found.append(f"from {node.module} import ...")
        elif parts[1] != own_room:
            found += [f"{node.module}.{a.name}" for a in node.names if a.name not in exports(parts[1])]
    return [f"{path.relative_to(root)}: {v}" for v in found]


def test_other_rooms_the_flows_and_the_cli_import_a_room_by_its_public_face():
    assert not [v for folder in CHECKED_FOLDERS for path in python_files(folder) for v in face_violations(path)]


def test_a_deep_import_or_a_name_not_exported_would_be_seen(tmp_path):
    (tmp_path / "cli").mkdir()
    probe = tmp_path / "cli" / "probe.py"
    probe.write_text("from tasks.tracking.runs import stage_run\nfrom tasks.core import Layout, not_exported\n")
    assert face_violations(probe, tmp_path) == [
        "cli/probe.py: from tasks.tracking.runs import ...",
        "cli/probe.py: tasks.core.not_exported",
    ]


def oversized(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            found.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.name}:{node.lineno} {node.name}: {length} lines")
    return found


@pytest.mark.parametrize("folder", CHECKED_FOLDERS)
def test_modules_and_functions_stay_readable(folder):
    assert not oversized(python_files(folder))


def test_a_module_or_a_function_too_long_would_be_seen(tmp_path):
    path = tmp_path / "long.py"
    path.write_text("def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES + "\n" * MAX_MODULE_LINES)
    lines = 1 + MAX_FUNCTION_LINES + MAX_MODULE_LINES
    assert oversized([path]) == [f"long.py: {lines} lines", f"long.py:1 f: {MAX_FUNCTION_LINES + 1} lines"]
