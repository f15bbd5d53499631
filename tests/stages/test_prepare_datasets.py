"""The prepare stage on imported datasets: merged by name into the prepared layout; a leak stops strict mode."""

from __future__ import annotations

import json

import pytest

from flows.prepare import prepare_flow
from tasks.core import EXIT_BAD_INPUT, ImportParams
from tasks.data import import_dataset
from tasks.orchestration import run_stage
from tests.projects import Project
from tests.real_data import copy_real

pytestmark = pytest.mark.slow  # a Prefect test server

CLASSES = {"base": ["oslik", "ovecka"], "new": ["prasatko"]}


@pytest.fixture
def project(make_project, tmp_path, prefect_harness) -> Project:
    project = make_project()
    plysaci = copy_real("plysaci", tmp_path)
    for name in ("2plysaci", "3plysaci"):
        raw = project.root / "data/raw"
        import_dataset(plysaci / f"{name}.yaml", name, params=ImportParams(), raw=raw, use_dvc=False)
    return project


def _params(project: Project, policy: str) -> str:
    datasets = [
        {"name": "3plysaci"},
        {"name": "2plysaci", "splits": {"val": "test"}},
    ]  # 2plysaci's val is in 3plysaci's val
    override = {
        "prepare": {"source": "datasets", "classes": CLASSES, "datasets": datasets},
        "imports": {"policy": policy},
    }
    return str(project.write_params(override))


def test_lenient_prepare_writes_the_merged_layout(project, capsys):
    assert run_stage(prepare_flow, ["--params", _params(project, "lenient")]) == 0
    metrics = json.loads((project.root / "metrics/prepare.json").read_text())
    assert metrics["images"] == {"base/train": 23, "base/val": 3, "new/train": 9, "new/val": 2}  # test copies left out
    assert sum("leaks into test" in w for w in metrics["warnings"]) == 3
    assert metrics["instances"]["new/train"]["prasatko"] == 9
    assert (project.root / "reports/prepare/class_stats.png").stat().st_size > 1000, "a plot, not an empty file"
    assert "leaks into test" in capsys.readouterr().out


def test_strict_prepare_stops_on_the_leak(project, capsys):
    assert run_stage(prepare_flow, ["--params", _params(project, "strict")]) == EXIT_BAD_INPUT
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3 and all("2plysaci/images/val/" in e and "leaks into test" in e for e in errors)
    assert not (project.root / "data/prepared").exists()
