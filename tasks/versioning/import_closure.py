"""Which of the project's modules a stage runs: the import closure of its entry module, read from the code.

dvc.yaml must list every one of them (a file, or a folder above it) among the stage's deps,
or a change to that code reruns nothing; tests/unit/test_dvc_deps.py checks it with this.
Imports are read from the syntax tree, including those inside functions, so a lazy import
counts too. A package whose `__init__` exports names lazily (`lazy_loader.attach(__name__,
submod_attrs={module: [names]})`, as every room of tasks/ does) runs none of its modules when
imported: `from package import name` takes the one module that defines `name`.
"""

from __future__ import annotations

import ast
from pathlib import Path


def module_path(root: Path, module: str) -> Path | None:
    """The file of a project module (`tasks.core.paths` -> tasks/core/paths.py), or None when it is not ours."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module named by an import statement of `path`; `from a import b` also names `a.b`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def lazy_exports(init: Path) -> dict[str, str]:
    """Name -> module of a package `__init__` that exports lazily through `lazy_loader.attach(...,
    submod_attrs={module: [names]})`; empty for any other."""
    for node in ast.walk(ast.parse(init.read_text(), filename=str(init))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "attach":
            for keyword in node.keywords:
                if keyword.arg == "submod_attrs":
                    table = ast.literal_eval(keyword.value)
                    return {name: module for module, names in table.items() for name in names}
    return {}


def exported_module(root: Path, name: str) -> str | None:
    """`package.name` -> `package.module` when `name` is an attribute the package exports lazily from `module`."""
    package, _, attribute = name.rpartition(".")
    init = module_path(root, package) if package else None
    if init is None or init.name != "__init__.py":
        return None
    module = lazy_exports(init).get(attribute)
    return f"{package}.{module}" if module else None


def parents(module: str) -> list[str]:
    """`a.b.c` -> [`a`, `a.b`]: Python runs each package's __init__ before the module."""
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def import_closure(root: Path, entry: str) -> set[Path]:
    """The files of every project module that running `python -m <entry>` can import, relative to `root`."""
    seen: set[str] = set()
    todo = [entry, *parents(entry)]
    files: set[Path] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = module_path(root, module)
        if path is None:
            exported = exported_module(root, module)
            todo += [exported] if exported else []
            continue
        files.add(path.relative_to(root))
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for name in imported_modules(path, package):
            todo += [name, *parents(name)]
    return files
