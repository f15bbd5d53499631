"""dvc.yaml's deps cover the code each stage runs, so a change to that code reruns the stage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tasks.versioning import import_closure

ROOT = Path(__file__).resolve().parents[2]


def stage_entries(dvc_yaml: dict) -> dict[str, str]:
    """Stage name -> the module its cmd runs (`python -m flows.<stage>`)."""
    entries = {}
    for name, stage in dvc_yaml["stages"].items():
        found = re.search(r"python -m ([\w.]+)", stage["cmd"])
        assert found, f"dvc.yaml: stage {name}: cmd {stage['cmd']!r} is not `python -m <module>`"
        entries[name] = found.group(1)
    return entries


def uncovered(code: set[Path], deps: list[str]) -> list[str]:
    """The files of `code` that no dep names, as a file or as a folder above it."""
    covered = [Path(d) for d in deps]
    return sorted(str(f) for f in code if not any(f == d or d in f.parents for d in covered))


def load_dvc_yaml() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())


@pytest.mark.parametrize("stage", list(load_dvc_yaml()["stages"]))
def test_every_module_a_stage_imports_is_one_of_its_deps(stage):
    dvc_yaml = load_dvc_yaml()
    code = import_closure(ROOT, stage_entries(dvc_yaml)[stage])
    assert len(code) > 5, f"{stage}: the import closure found almost nothing: {sorted(map(str, code))}"
    missing = uncovered(code, dvc_yaml["stages"][stage]["deps"])
    assert not missing, f"dvc.yaml: stage {stage} imports modules its deps do not cover: {missing}"


def test_the_check_sees_a_dep_that_is_taken_away():
    """Remove one dep from a stage and the same check must name the module it covered."""
    dvc_yaml = load_dvc_yaml()
    deps = [d for d in dvc_yaml["stages"]["train"]["deps"] if d != "tasks/train"]
    code = import_closure(ROOT, "flows.train")
    assert "tasks/train/fit.py" in uncovered(code, deps)


def test_lazy_imports_inside_functions_count(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "entry.py").write_text("def run():\n    from pkg import lazy\n")
    (tmp_path / "pkg" / "lazy.py").write_text("from . import deeper\n")
    (tmp_path / "pkg" / "deeper.py").write_text("import os\n")
    found = {str(p) for p in import_closure(tmp_path, "pkg.entry")}
    assert found == {"pkg/__init__.py", "pkg/entry.py", "pkg/lazy.py", "pkg/deeper.py"}


def test_training_does_not_depend_on_tracking_names():
    """Renaming the registered model or the experiment must not retrain anything."""
    stages = load_dvc_yaml()["stages"]
    for stage in ("train", "transfer"):
        params = [p if isinstance(p, str) else next(iter(p)) for p in stages[stage].get("params", [])]
        assert not [p for p in params if p == "tracking" or p.startswith("tracking.")], f"{stage}: {params}"
