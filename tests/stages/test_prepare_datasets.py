"""The prepare stage on imported datasets: merged by name into the prepared layout; a leak stops strict mode, and a
val or test split that leaks past imports.max_leak_share stops either mode (exit 2) until prepare.resplit."""

from __future__ import annotations

import json

import pytest

from flows.prepare import prepare_flow
from tasks.core import EXIT_BAD_INPUT, ImportParams
from tasks.data import import_dataset
from tasks.orchestration import run_stage
from tests.projects import Project
from tests.real_data import copy_real
from tests.video_frames import write_frames_dataset

pytestmark = pytest.mark.slow  # a Prefect test server

CLASSES = {"base": ["oslik", "ovecka"], "new": ["prasatko"]}


@pytest.fixture
def project(make_project, tmp_path, prefect_harness) -> Project:
    project = make_project()
    plysaci = copy_real("plysaci", tmp_path)
    for name in ("2plysaci", "3plysaci"):
        raw = project.root / "data/raw"
        params = ImportParams(optional_splits=["test"])  # both name a test split they do not have
        import_dataset(plysaci / f"{name}.yaml", name, params=params, raw=raw, use_dvc=False)
    return project


def _params(project: Project, policy: str) -> str:
    datasets = [
        {"name": "3plysaci"},
        {"name": "2plysaci", "splits": {"val": "test"}},
    ]  # 2plysaci's val is in 3plysaci's val
    override = {
        "prepare": {"source": "datasets", "classes": CLASSES, "datasets": datasets},
        "imports": {"policy": policy, "max_leak_share": 1.0},  # all of test leaks: these tests are about the policy
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


def test_video_frames_split_at_random_stop_prepare_until_resplit(make_project, tmp_path, prefect_harness, capsys):
    """Issue 27: frames of six scenes split at random between train and test; with the defaults, prepare stops."""
    project = make_project()
    write_frames_dataset(tmp_path / "frames")
    raw = project.root / "data/raw"
    import_dataset(tmp_path / "frames" / "data.yaml", "frames", params=ImportParams(), raw=raw, use_dvc=False)
    section = {"source": "datasets", "classes": {"base": ["box"], "new": []}, "datasets": [{"name": "frames"}]}
    params = str(project.write_params({"prepare": section}))
    assert run_stage(prepare_flow, ["--params", params]) == EXIT_BAD_INPUT
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert errors[0].startswith("error: prepare: test: 19 of its 19 pictures (100%) leak")
    assert "set prepare.resplit" in errors[-1]
    assert not (project.root / "data/prepared").exists()
    resplit = str(project.write_params({"prepare": {**section, "resplit": {"val": 0.2, "test": 0.2}}}))
    assert run_stage(prepare_flow, ["--params", resplit]) == 0
    assert "note: params.yaml: prepare.resplit drew 6 groups, not 48 pictures" in capsys.readouterr().out
    metrics = json.loads((project.root / "metrics/prepare.json").read_text())
    assert sum(metrics["images"].values()) == 48
