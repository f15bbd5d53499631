"""The mine stage with the real detector, FiftyOne (real mongod) and Prefect, on tiny data.

One project, a copy of the session's trained one, runs mine once; the tests read what it wrote,
mine a second round in a copy, and rebuild the FiftyOne database from files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from flows.mine import mine_flow
from flows.prepare import prepare_flow
from tasks.core import load_params, wait_for
from testkit.processes import project_env, python
from testkit.profiles import TINY
from tests.projects import Project
from tests.relabel_batch import ONE_STAR, returned_labels

pytestmark = pytest.mark.slow

ON_TRAIN = {"mine": {"model": "train"}}  # this project runs prepare and train only (no transfer stage)
VIEWS = {"false_positives", "missed_objects", "low_confidence", "possible_label_mistakes", "hardest_pool"}


@pytest.fixture(scope="module")
def project(tmp_path_factory, trained_project) -> Project:
    project = trained_project.copy_to(tmp_path_factory.mktemp("mine") / "project")
    project.update_params(ON_TRAIN)
    project.run(mine_flow)
    return project


@pytest.fixture
def own_copy(project, tmp_path, monkeypatch) -> Project:
    """A copy of the mined project for a test that changes it, entered: the others keep reading the original."""
    return project.copy_to(tmp_path / "project").enter(monkeypatch)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_batch_has_k_images_drafts_manifest_and_tool_files(project):
    batch = project.root / "data/relabel/round-1"
    manifest = json.loads((batch / "manifest.json").read_text())
    k = TINY["mine"]["k"]
    assert len(manifest["images"]) == k and manifest["names"] == ["ring", "cross", "star"]
    recorded = manifest["model_val_map50_95"]
    weak = recorded is None or recorded < manifest["params"]["cold_start"]
    assert manifest["strategy"] == "uncertainty"
    assert manifest["rule"] == ("cold-start-diversity" if weak else "uncertainty")
    files = sorted(e["file"] for e in manifest["images"])
    assert sorted(p.name for p in (batch / "images").iterdir()) == files
    assert sorted(p.stem for p in (batch / "labels").iterdir()) == sorted(Path(f).stem for f in files)
    table = json.loads((project.root / "reports/mine/scores.json").read_text())["images"]
    weight = project.params().mine.uniqueness_weight
    for rank, entry in enumerate(manifest["images"], 1):
        assert entry["rank"] == rank and entry["rule"] == manifest["rule"]
        assert entry["reason"].startswith("cold start" if weak else "score rank")
        assert entry["scores"] == table[entry["image"]], "the manifest carries the scores the pool was ranked on"
        row = entry["scores"]
        assert set(row) >= {"least_confidence", "entropy", "consistency", "uniqueness"}
        assert row["mining_score"] == pytest.approx(row["uncertainty"] + weight * row["uniqueness"])
    cvat = ET.parse(batch / "cvat_annotations.xml").getroot()
    assert cvat.findtext("version") == "1.1"
    assert sorted(i.get("name") for i in cvat.iter("image")) == files
    drafts = sum(len((batch / "labels" / f"{Path(f).stem}.txt").read_text().splitlines()) for f in files)
    assert len(list(cvat.iter("box"))) == drafts
    tasks = json.loads((batch / "label_studio_tasks.json").read_text())
    assert [t["data"]["image"].rsplit("/", 1)[1] for t in tasks] == [e["file"] for e in manifest["images"]]
    assert sum(len(t["predictions"][0]["result"]) for t in tasks) == drafts
    assert "RectangleLabels" in (batch / "label_studio_config.xml").read_text()


def test_scores_cover_the_pool_and_views_exist(project):
    scores = json.loads((project.root / "reports/mine/scores.json").read_text())["images"]
    assert len(scores) == TINY["prepare"]["builtin"]["images"]["pool"]
    summary = json.loads((project.root / "reports/mine/summary.json").read_text())
    assert VIEWS | {"relabel-round-1"} <= set(summary["views"])
    assert summary["views"]["relabel-round-1"] == TINY["mine"]["k"]
    handed_out = json.loads((project.root / "data/relabel/round-1/manifest.json").read_text())["images"]
    assert summary["draft_boxes"] == sum(entry["draft_boxes"] for entry in handed_out)


def test_fiftyone_index_has_every_split_evaluation_and_tags(project):
    import fiftyone as fo
    from fiftyone import ViewField as F

    index = fo.load_dataset(project.fiftyone_dataset)
    images = TINY["prepare"]["builtin"]["images"]
    assert len(index) == sum(images.values())
    assert len(index.match(F("split") == "pool")) == images["pool"]
    labelled = index.match(F("split") != "pool")
    assert labelled.exists("eval_tp").count() == len(labelled) and labelled.exists("mistakenness").count() > 0
    assert VIEWS <= set(index.list_saved_views())
    assert len(index.match_tags("relabel-round-1")) == TINY["mine"]["k"]


def test_next_round_excludes_earlier_choices(own_copy):
    round_two = {"mine": {"round": 2, "cold_start": 0.0}}  # uncertainty, weak model or not
    mine_flow(load_params(own_copy.update_params(round_two)), own_copy.root)
    first = {e["image"] for e in json.loads(Path("data/relabel/round-1/manifest.json").read_text())["images"]}
    entries = json.loads(Path("data/relabel/round-2/manifest.json").read_text())["images"]
    second = {e["image"] for e in entries}
    assert len(first) == len(second) == TINY["mine"]["k"] and not first & second
    assert all(e["rule"] == "uncertainty" and e["reason"].startswith("score rank") for e in entries)
    assert json.loads(Path("data/relabel/round-2/manifest.json").read_text())["excluded"] == len(first)


def snapshot_code(dataset: str) -> str:
    return f"""
import json, fiftyone as fo
index = fo.load_dataset({dataset!r})
rows = {{}}
for s in index.select_fields(["key", "tags", "mining_score", "uniqueness", "consistency", "eval_tp", "eval_fp"]):
    rows[s.key] = [sorted(s.tags), s["mining_score"], s["uniqueness"], s["consistency"], s["eval_tp"], s["eval_fp"]]
print("SNAPSHOT" + json.dumps({{"rows": rows, "views": sorted(index.list_saved_views())}}, sort_keys=True))
"""


def test_database_deleted_then_rebuilt_from_files_gives_same_tags_and_scores(project, tmp_path):
    """A fresh, empty database directory (a new mongod) rebuilt from files only."""
    dataset = project.fiftyone_dataset
    before = python(
        "-c", "from tasks.core.runtime import configure\nconfigure()\n" + snapshot_code(dataset), cwd=project.root
    ).stdout
    fresh_db = tmp_path / "db"
    rebuild = (
        "from tasks.index import rebuild_project_index\nfrom tasks.core import load_params\n"
        "rebuild_project_index(load_params('params.yaml'), __import__('pathlib').Path('.'))\n" + snapshot_code(dataset)
    )
    fresh = f"import os\nos.environ['FIFTYONE_DATABASE_DIR'] = {str(fresh_db)!r}\n"
    after = python("-c", fresh + rebuild, cwd=project.root)
    assert fresh_db.is_dir() and any(fresh_db.iterdir()), "the rebuild must have used the fresh database"
    first, second = (json.loads(out.split("SNAPSHOT", 1)[1]) for out in (before, after.stdout))
    assert first == second
    assert sum("relabel-round-1" in row[0] for row in first["rows"].values()) == TINY["mine"]["k"]


def answers(url: str, server, log_tail) -> bool:
    """Whether `url` answers 200 now; fails at once, with the log, if the `server` process has ended."""
    import urllib.request

    assert server.poll() is None, f"the server exited with {server.returncode}: {log_tail()}"
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except OSError:
        return False


def grid_colours(shot: Path) -> int:
    """Distinct colours right of the App's sidebar and below its toolbar, where the sample grid is drawn."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"))
    return len(np.unique(pixels[150:, 320:].reshape(-1, 3), axis=0))


def test_app_in_headless_chromium_shows_the_dataset_and_samples(project, tmp_path):
    """`yoloop app` on 127.0.0.1, opened by Debian's chromium: the page names the dataset, the grid has pictures.

    The first load of the App on a busy 2-core machine can outlast chromium's virtual time budget (the screenshot
    then shows FiftyOne's "Pixelating..." loader, seen once in a full suite): the page is dumped first, which
    warms the server, and the screenshot is taken up to three times."""
    import subprocess

    from tasks.core import HOST, free_port

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is needed (Debian: apt-get install -y chromium; `make test` installs it)"
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "cli", "app", "--port", str(port)],
        cwd=project.root,
        env=project_env(),
        stdout=(tmp_path / "app.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    colours = []
    try:
        url = f"http://{HOST}:{port}/datasets/{project.fiftyone_dataset}"
        log_tail = lambda: (tmp_path / "app.log").read_text()[-3000:]  # noqa: E731
        wait_for(lambda: answers(url, app, log_tail), 180, f"`yoloop app` to answer {url}", 1, log_tail)
        browse = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        browse += ["--window-size=1280,900", "--virtual-time-budget=25000"]
        dom = subprocess.run([*browse, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
        for attempt in range(3):
            shot = tmp_path / f"app-{attempt}.png"
            subprocess.run([*browse, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
            colours.append(grid_colours(shot))
            if colours[-1] > 20000:
                break
    finally:
        app.terminate()
        app.wait(timeout=60)
    assert project.fiftyone_dataset in dom and "Samples" in dom
    assert colours[-1] > 20000, f"the grid shows {colours} colours in each screenshot: no sample pictures rendered"


# Labels back, each test in a copy of its own: they add data/labels/round-1 and re-prepare.


def test_a_bad_returned_label_leaves_the_dataset_unchanged(own_copy, tmp_path):
    returned = tmp_path / "bad"
    first = returned_labels(own_copy.root / "data/relabel/round-1", returned)[0]
    first.write_text("7 0.5 0.5 0.1 0.1\n")  # a class the batch does not have
    (returned / "labels" / "pool_99999.txt").write_text("0 0.5 0.5 0.1 0.1\n")  # an image not in the batch
    before = tree_digest(Path("data"))
    result = python("-m", "cli", "labels", "import", str(returned), cwd=own_copy.root, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{first}:1:" in result.stderr and "class id 7" in result.stderr
    assert "pool_99999 is not in relabel batch round-1" in result.stderr
    assert "nothing was imported" in result.stderr
    assert tree_digest(Path("data")) == before
    assert not Path("data/labels").exists()


def test_export_then_import_of_corrected_labels_changes_exactly_those(own_copy, tmp_path):
    returned = tmp_path / "fixed"
    files = returned_labels(own_copy.root / "data/relabel/round-1", returned)
    files[0].write_text(ONE_STAR)  # corrected: one star
    files[1].write_text("")  # nothing there after all
    before = tree_digest(Path("data"))
    python("-m", "cli", "labels", "import", str(returned), cwd=own_copy.root)
    after = tree_digest(Path("data"))
    changed = {path for path in after if before.get(path) != after[path]}
    batch = json.loads(Path("data/relabel/round-1/manifest.json").read_text())["images"]
    expected = {f"labels/round-1/labels/{f.name}" for f in files} | {
        f"labels/round-1/images/{e['file']}" for e in batch
    }
    assert changed == expected | {"labels/round-1/manifest.json"} and set(before) <= set(after)
    for path in files:
        assert (Path("data/labels/round-1/labels") / path.name).read_bytes() == path.read_bytes()
    prepare_flow(own_copy.params(), own_copy.root)  # the next round trains on them
    train_labels = Path("data/prepared/new/labels/train")
    for path in files:
        assert (train_labels / path.name).read_bytes() == path.read_bytes()
    card = json.loads(Path("data/prepared/dataset.json").read_text())
    assert card["splits"]["new/train"]["images"] == TINY["prepare"]["builtin"]["images"]["new_train"] + len(files)
