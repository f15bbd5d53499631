"""`yoloop zoo probe` (issue 25 item 3): the start chosen by measurement.

The zoo model is trained in the test on one real dataset (plysaci's two toys, oslik and ovecka: prepare and train at
the tiny profile's settings, 64 px, one epoch) and added to a zoo folder with `yoloop zoo add`, beside an entry
without its card; the probed project is built from another real dataset (neu-det's steel defects, six classes, five
photos each). `zoo probe` on it ranks the toys model, whose head is widened to the six steel classes, against scratch:
both rows have figures, the entry without a card is a row with its reason, probe.json holds the same figures and the
recommendation names one of the two. Before the zoo has anything, the probe runs scratch alone and says the zoo is
empty. Without data/prepared it exits 2 naming it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tasks.core import ImportParams, Layout, list_images
from tasks.data import import_dataset
from tasks.train.probe import Candidate, ProbeRow, candidates_of, recommendation
from tasks.train.zoo import StartModel
from testkit.processes import python
from tests.projects import Project, new_project
from tests.real_data import copy_real, real_datasets

STATE, ZOO = "state", "zoo"
TOYS = ["oslik", "ovecka"]
STEEL = ["crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
PER_CLASS = 5  # neu-det photos of each defect: 30 in all
RESPLIT = {"val": 0.2, "test": 0.2}
SCRATCH = "yolov8n.yaml"  # the tiny profile's train.model


def yoloop(project: Project, tmp_path: Path, *args: str):
    env = {"YOLOOP_STATE_DIR": str(tmp_path / STATE), "MLFLOW_TRACKING_URI": project.tracking_uri}
    return python("-m", "cli", *args, cwd=project.root, check=False, timeout=600, env=env)


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def toys_model(tmp_path: Path) -> Path:
    """A detector trained by prepare and train on plysaci's toys (2plysaci): its published weights."""
    from flows.prepare import prepare_flow
    from flows.train import train_flow

    project = new_project(tmp_path / "toys")
    plysaci = copy_real("plysaci", tmp_path / "real")
    params = ImportParams(optional_splits=["test"])  # 2plysaci names a test split it does not have
    import_dataset(plysaci / "2plysaci.yaml", "toys", params=params, raw=project.root / "data/raw", use_dvc=False)
    section = {"source": "datasets", "classes": {"base": TOYS, "new": []}, "datasets": [{"name": "toys"}]}
    project.update_params({"prepare": {**section, "resplit": RESPLIT}})
    project.run(prepare_flow, train_flow)
    return project.root / "models/train/weights.pt"


def steel_project(tmp_path: Path) -> Project:
    """A project whose data/prepared is PER_CLASS neu-det photos of each steel defect."""
    from flows.prepare import prepare_flow

    neu, source = real_datasets() / "neu-det", tmp_path / "src" / "neu"
    for folder in ("IMAGES", "ANNOTATIONS"):
        (source / folder).mkdir(parents=True)
    for name in STEEL:
        for index in range(1, PER_CLASS + 1):
            shutil.copy(neu / "IMAGES" / f"{name}_{index}.jpg", source / "IMAGES")
            shutil.copy(neu / "ANNOTATIONS" / f"{name}_{index}.xml", source / "ANNOTATIONS")
    project = new_project(tmp_path / "steel", {"project": {"zoo_dir": str(tmp_path / ZOO)}})
    import_dataset(source, "neu", params=ImportParams(), raw=project.root / "data/raw", use_dvc=False)
    section = {"source": "datasets", "classes": {"base": STEEL, "new": []}, "datasets": [{"name": "neu"}]}
    project.update_params({"prepare": {**section, "resplit": RESPLIT}})
    project.run(prepare_flow)
    return project


def probe_files(project: Project) -> tuple[str, dict]:
    reports = Layout(project.root).reports / "zoo"
    return (reports / "probe.md").read_text(), json.loads((reports / "probe.json").read_text())


def table_rows(markdown: str) -> dict[str, list[str]]:
    """The probe table's rows by spec: their cells."""
    rows = [line.strip("|").split("|") for line in markdown.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells] for cells in rows[1:]}


def assert_scored(row: dict, cells: list[str]) -> None:
    assert row["error"] is None, row
    assert 0 <= row["map50_95"] <= row["map50"] <= 1, row
    assert row["wall_s"] > 0, row
    assert row["map50_95_per_minute"] == pytest.approx(row["map50_95"] / (row["wall_s"] / 60)), row
    assert cells[3] == f"{row['map50_95']:.3f}" and cells[4] == f"{row['map50']:.3f}", cells
    assert cells[5] == f"{row['wall_s']:.1f}" and cells[6] != "-", cells


@pytest.mark.slow
def test_probe_ranks_a_zoo_model_from_another_real_dataset_against_scratch(tmp_path, prefect_harness):
    steel = steel_project(tmp_path)
    val = len(list_images(steel.root / "data/prepared/base/images/val"))

    alone = yoloop(steel, tmp_path, "zoo", "probe", "--epochs", "1", "--images", "4")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    markdown, report = probe_files(steel)
    assert "The zoo is empty" in markdown and report["zoo_empty"] is True, markdown
    assert [row["spec"] for row in report["rows"]] == [SCRATCH] and report["recommended"] == SCRATCH, report
    assert_scored(report["rows"][0], table_rows(markdown)[SCRATCH])

    added = yoloop(steel, tmp_path, "zoo", "add", str(toys_model(tmp_path)), "--name", "toys-n")
    assert added.returncode == 0, added.stdout + added.stderr
    (tmp_path / ZOO / "nocard.pt").write_bytes((tmp_path / ZOO / "toys-n.pt").read_bytes())  # no nocard.json
    probed = yoloop(steel, tmp_path, "zoo", "probe", "--epochs", "1", "--images", "12")
    assert probed.returncode == 0, probed.stdout + probed.stderr
    markdown, report = probe_files(steel)
    print(markdown)
    rows, cells = {row["spec"]: row for row in report["rows"]}, table_rows(markdown)
    assert list(rows) == [SCRATCH, "zoo:nocard", "zoo:toys-n"], report
    assert report["zoo_empty"] is False and "The zoo is empty" not in markdown
    assert (report["train_images"], report["val_images"], report["epochs"]) == (12, val, 1), report
    assert report["classes"] == STEEL and report["listed"] == 2, report
    assert_scored(rows[SCRATCH], cells[SCRATCH])
    assert_scored(rows["zoo:toys-n"], cells["zoo:toys-n"])
    assert (rows["zoo:toys-n"]["kind"], rows["zoo:toys-n"]["shared"]) == ("zoo", 0), rows
    refused = rows["zoo:nocard"]
    assert refused["map50_95"] is None and "nocard.json" in refused["error"], refused
    assert cells["zoo:nocard"][3] == "-" and "nocard.json" in cells["zoo:nocard"][7], cells
    assert report["recommended"] in {SCRATCH, "zoo:toys-n"}, report
    (line,) = [line for line in markdown.splitlines() if line.startswith("recommendation: ")]
    assert line == report["recommendation"] and line.startswith(f"recommendation: {report['recommended']} ("), line
    best = max((rows[SCRATCH], rows["zoo:toys-n"]), key=lambda row: row["map50_95"])
    assert report["recommended"] == best["spec"], report
    gap = rows["zoo:toys-n"]["map50_95"] - rows[SCRATCH]["map50_95"]
    assert ("under the noise" in line) == (report["recommended"] != SCRATCH and gap < 0.01), line


def test_probe_without_prepared_data_exits_2_naming_it(tmp_path):
    project = new_project(tmp_path / "project", {"project": {"zoo_dir": str(tmp_path / ZOO)}})
    result = yoloop(project, tmp_path, "zoo", "probe")
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = errors(result)
    assert line.startswith("error: data/prepared/dataset.json: ") and "prepare" in line, line
    assert "Traceback" not in result.stderr
    assert not (project.root / "reports/zoo").exists(), "no report of nothing"


def test_top_keeps_the_candidates_that_share_most_class_names():
    rows = [
        StartModel("zoo:a", "zoo", ["cat"]),
        StartModel("zoo:b", "zoo", ["bolt", "nut", "cat"]),
        StartModel("yolo11n.pt", "ultralytics"),
        StartModel("zoo:c", "zoo", ["nut", "dog"]),
    ]
    names = ["bolt", "nut", "washer"]
    assert [c.spec for c in candidates_of(rows, names, None)] == ["zoo:a", "zoo:b", "yolo11n.pt", "zoo:c"]
    assert candidates_of(rows, names, 2) == [Candidate("zoo:b", "zoo", 2), Candidate("zoo:c", "zoo", 1)]
    assert [c.spec for c in candidates_of(rows, names, 3)] == ["zoo:b", "zoo:c", "zoo:a"]


def test_the_recommendation_says_when_the_best_start_is_within_noise_of_scratch():
    def rows(scratch: float | None, zoo: float | None) -> list[ProbeRow]:
        return [ProbeRow(SCRATCH, "scratch", None, scratch, 0.5, 60.0), ProbeRow("zoo:a", "zoo", 1, zoo, 0.5, 60.0)]

    assert recommendation(rows(0.2, 0.25)) == (
        "zoo:a",
        f"recommendation: zoo:a (val mAP50-95 0.250): 0.050 above scratch ({SCRATCH}, 0.200)",
    )
    spec, line = recommendation(rows(0.2, 0.205))
    assert spec == "zoo:a" and "beats scratch (yolov8n.yaml, 0.200) by 0.005, under the noise of 0.01" in line, line
    assert recommendation(rows(0.3, 0.3)) == (
        SCRATCH,
        f"recommendation: {SCRATCH} (val mAP50-95 0.300): scratch; no start from the zoo beats it",
    )
    assert recommendation(rows(None, None))[0] is None
    assert rows(0.2, 0.25)[1].per_minute == pytest.approx(0.25)
