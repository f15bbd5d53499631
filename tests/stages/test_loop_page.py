"""The loop page (reports/loop/index.html) from a real MLflow store and a real relabel batch, in headless Chromium.

Two evaluate runs are logged the way the evaluate stage logs them (tasks.tracking.stage_run,
metrics, tags, then `record_evaluation` with the stage's files), one registered version holds
champion, and the batch is written by the real export (tests/relabel_batch.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tasks.core import DatasetCard, Layout, details_file, load_params, write_dataset_card, write_json
from tasks.loop.loop_history import record_evaluation
from tasks.loop.loop_page import THUMB_SIDE
from tasks.tracking import log_metrics, stage_run
from testkit.processes import python
from tests.projects import Project, new_project
from tests.relabel_batch import write_batch

pytestmark = pytest.mark.slow

BATCH = 4


def log_evaluation(
    project: Project, version: str, map50_95: float, labelled: int, decision: str, params_file: str = "params.yaml"
) -> None:
    """What evaluate leaves behind: its MLflow run, metrics/evaluate_details.json and the prepared card."""
    import mlflow

    params, layout = project.params(params_file), Layout(project.root)
    split = {"images": labelled, "backgrounds": 0, "classes": {}}
    classes = {"base": params.prepare.classes.base, "new": params.prepare.classes.new}
    write_dataset_card(layout.prepared, DatasetCard(classes=classes, splits={"base/train": split}))
    write_json(details_file(layout.metrics, "evaluate"), {"model_version": version, "map50_95": map50_95})
    with stage_run(params.tracking, "evaluate", {"model": "train"}, layout):
        log_metrics({"test_map50_95": map50_95, "test_map50": map50_95 + 0.2})
        mlflow.set_tags({"yoloop.decision": decision, "yoloop.champion_after": "1"})
    record_evaluation(params.tracking, layout)


def register_champion(project: Project, name: str | None = None) -> None:
    """Version 1 of the registered model, holding the champion alias, as evaluate's promotion leaves it."""
    client, root = project.mlflow(), project.root
    name = name or project.params().tracking.registered_model
    client.create_registered_model(name)
    (root / "weights").mkdir(exist_ok=True)
    version = client.create_model_version(name, (root / "weights").as_uri(), tags={"yoloop.stage": "train"})
    client.set_registered_model_alias(name, "champion", version.version)


@pytest.fixture
def project(make_project) -> Path:
    """A project (and MLflow store) of its own with two evaluations, a champion and a relabel batch."""
    project = make_project()
    write_batch(project.root, count=BATCH)
    log_evaluation(project, "1", 0.41, 12, "promote")
    log_evaluation(project, "2", 0.38, 15, "keep champion")
    register_champion(project)
    return project.root


def test_report_writes_the_page_with_history_rounds_and_batch(project):
    printed = python("-m", "cli", "report", cwd=project).stdout.strip()
    assert printed == str((project / "reports/loop/index.html").resolve())
    page = Path(printed).read_text()
    assert page.count('class="batch-image"') == BATCH and page.count("data:image/png;base64,") == BATCH
    assert "0.4100" in page and "0.3800" in page and "keep champion" in page and "promote" in page
    assert page.count("<circle") == 2, "one point per evaluation on mAP against labels"
    assert "<td>1</td><td>4</td>" in page, "round 1: four images handed out"
    assert "champion: version 1" in page and "<td>train</td><td>champion</td>" in page
    assert "<link" not in page and 'src="http' not in page, "self-contained"


def test_page_in_headless_chromium_shows_the_batch_images(project, tmp_path):
    from tasks.loop import write_loop_page

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is needed (Debian: apt-get install -y chromium; `make test` installs it)"
    page = write_loop_page(load_params(project / "params.yaml"), Layout(project)).resolve()
    browse = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,1800"]
    shot = tmp_path / "loop.png"
    subprocess.run([*browse, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    dom = subprocess.run([*browse, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert dom.count('class="batch-image"') == BATCH and "Champion history" in dom
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 1000, "the screenshot is (nearly) blank"
    spread = pixels.max(axis=2).astype(int) - pixels.min(axis=2)
    colourful = int((spread > 40).sum())  # the page is grey on white; the chart and legend are a few dots of colour
    assert colourful > BATCH * 0.5 * THUMB_SIDE**2, f"{colourful} coloured pixels: the thumbnails did not render"
    print(f"\nloop page screenshot: {shot}")


@pytest.fixture
def two_models(tmp_path, monkeypatch) -> Project:
    """One MLflow store (SQLite, in tmp) holding two registered models, each with evaluations of its own."""
    project = new_project(tmp_path / "project").enter(monkeypatch)
    project.write_params({"tracking": {"registered_model": "fruit-detector"}}, name="fruit.yaml")
    project.write_params({"tracking": {"registered_model": "cell-detector"}})
    log_evaluation(project, "1", 0.4111, 12, "promote", "fruit.yaml")
    log_evaluation(project, "2", 0.4222, 14, "promote", "fruit.yaml")
    log_evaluation(project, "1", 0.6333, 30, "promote")
    register_champion(project, "fruit-detector")
    register_champion(project, "cell-detector")
    return project


def test_each_registered_model_has_a_page_of_its_own_evaluations(two_models):
    root = two_models.root
    runs = two_models.mlflow().search_runs([e.experiment_id for e in two_models.mlflow().search_experiments()])
    assert sorted(r.data.tags["yoloop.registered_model"] for r in runs) == ["cell-detector"] + ["fruit-detector"] * 2
    cells = Path(python("-m", "cli", "report", cwd=root).stdout.strip())
    fruit = Path(python("-m", "cli", "report", "--model", "fruit-detector", cwd=root).stdout.strip())
    assert cells == (root / "reports/loop/index.html").resolve(), "the params' own model: the page it always had"
    assert fruit == (root / "reports/loop/fruit-detector/index.html").resolve()
    cell_page, fruit_page = cells.read_text(), fruit.read_text()
    assert "0.6333" in cell_page and "0.4111" not in cell_page and "0.4222" not in cell_page
    assert "0.4111" in fruit_page and "0.4222" in fruit_page and "0.6333" not in fruit_page
    assert cell_page.count("<circle") == 1 and fruit_page.count("<circle") == 2, "mAP against labels: its own points"
    assert "<title>yoloop loop: fruit-detector</title>" in fruit_page
    for page, other in ((cell_page, "fruit-detector"), (fruit_page, "cell-detector")):
        assert 'id="registered-models"' in page and f"yoloop report --model {other}" in page


def test_an_unknown_model_is_exit_2_naming_it_and_the_known_ones(two_models):
    wrong = python("-m", "cli", "report", "--model", "dog-detector", cwd=two_models.root, check=False)
    assert wrong.returncode == 2, wrong.stderr
    assert "--model dog-detector" in wrong.stderr and "cell-detector, fruit-detector" in wrong.stderr
    assert not (two_models.root / "reports/loop/dog-detector").exists()
