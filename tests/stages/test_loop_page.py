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

from tasks.core import Layout, details_file, load_params, write_json
from tasks.loop.loop_history import record_evaluation
from tasks.loop.loop_page import THUMB_SIDE
from tasks.tracking import log_metrics, stage_run
from testkit.processes import python
from tests.projects import Project
from tests.relabel_batch import write_batch

pytestmark = pytest.mark.slow

BATCH = 4


def log_evaluation(project: Project, version: str, map50_95: float, labelled: int, decision: str) -> None:
    """What evaluate leaves behind: its MLflow run, metrics/evaluate_details.json and the prepared card."""
    import mlflow

    params, layout = project.params(), Layout(project.root)
    write_json(layout.prepared / "dataset.json", {"splits": {"base/train": {"images": labelled}}})
    write_json(details_file(layout.metrics, "evaluate"), {"model_version": version, "map50_95": map50_95})
    with stage_run(params.tracking, "evaluate", {"model": "train"}, layout):
        log_metrics({"test_map50_95": map50_95, "test_map50": map50_95 + 0.2})
        mlflow.set_tags({"yoloop.decision": decision, "yoloop.champion_after": "1"})
    record_evaluation(params.tracking, layout)


def register_champion(project: Project) -> None:
    """Version 1 of the registered model, holding the champion alias, as evaluate's promotion leaves it."""
    client, root = project.mlflow(), project.root
    name = project.params().tracking.registered_model
    client.create_registered_model(name)
    (root / "weights").mkdir()
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
