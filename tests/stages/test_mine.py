"""The mine stage with the real detector, FiftyOne (real mongod) and Prefect, on tiny data.

One project runs prepare -> train -> mine once; the tests read what it wrote, then take
labels back (good and bad ones) and rebuild the FiftyOne database from files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from flows.mine import mine_flow
from flows.prepare import prepare_flow
from flows.train import train_flow
from tasks.core.params import load_params
from tests.processes import python
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow

ON_TRAIN = {"mine": {"model": "train"}}  # this project runs prepare and train only (no transfer stage)
VIEWS = {"false_positives", "missed_objects", "low_confidence", "possible_label_mistakes", "hardest_pool"}


@pytest.fixture(scope="module")
def project(tmp_path_factory, prefect_harness) -> Path:
    root = tmp_path_factory.mktemp("mine")
    params = load_params(write_params(root / "params.yaml", TINY, ON_TRAIN))
    previous = Path.cwd()
    os.chdir(root)
    try:
        prepare_flow(params, root)
        train_flow(params, root)
        mine_flow(params, root)
        yield root
    finally:
        os.chdir(previous)


@pytest.fixture
def inside(project):
    previous = Path.cwd()
    os.chdir(project)
    yield project
    os.chdir(previous)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def test_batch_has_k_images_drafts_manifest_and_tool_files(project):
    batch = project / "data/relabel/round-1"
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
    for entry in manifest["images"]:
        assert entry["rule"] == manifest["rule"] and 0 <= entry["scores"]["mining_score"]
        assert entry["reason"].startswith("cold start" if weak else "score rank")
        assert set(entry["scores"]) >= {"least_confidence", "entropy", "consistency", "uniqueness"}
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
    scores = json.loads((project / "reports/mine/scores.json").read_text())["images"]
    assert len(scores) == TINY["prepare"]["builtin"]["images"]["pool"]
    summary = json.loads((project / "reports/mine/summary.json").read_text())
    assert VIEWS | {"relabel-round-1"} <= set(summary["views"])
    assert summary["views"]["relabel-round-1"] == TINY["mine"]["k"]


def test_fiftyone_index_has_every_split_evaluation_and_tags(project):
    import fiftyone as fo
    from fiftyone import ViewField as F

    index = fo.load_dataset("yoloop")
    images = TINY["prepare"]["builtin"]["images"]
    assert len(index) == sum(images.values())
    assert len(index.match(F("split") == "pool")) == images["pool"]
    labelled = index.match(F("split") != "pool")
    assert labelled.exists("eval_tp").count() == len(labelled) and labelled.exists("mistakenness").count() > 0
    assert VIEWS <= set(index.list_saved_views())
    assert len(index.match_tags("relabel-round-1")) == TINY["mine"]["k"]


def test_next_round_excludes_earlier_choices(inside):
    round_two = {"mine": {"round": 2, "fiftyone_dataset": "r2", "cold_start": 0.0}}  # uncertainty, weak model or not
    params = load_params(write_params(inside / "params2.yaml", TINY, ON_TRAIN, round_two))
    mine_flow(params, inside)
    first = {e["image"] for e in json.loads(Path("data/relabel/round-1/manifest.json").read_text())["images"]}
    entries = json.loads(Path("data/relabel/round-2/manifest.json").read_text())["images"]
    second = {e["image"] for e in entries}
    assert len(second) == TINY["mine"]["k"] and not first & second
    assert all(e["rule"] == "uncertainty" and e["reason"].startswith("score rank") for e in entries)
    assert json.loads(Path("data/relabel/round-2/manifest.json").read_text())["excluded"] == len(first)
    shutil.rmtree("data/relabel/round-2")
    mine_flow(load_params(inside / "params.yaml"), inside)  # leave the project as the fixture made it


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
    before = python(
        "-c", "from tasks.core.runtime import configure\nconfigure()\n" + snapshot_code("yoloop"), cwd=project
    ).stdout
    fresh_db = tmp_path / "db"
    rebuild = (
        "from flows.app import rebuild_index\nfrom tasks.core.params import load_params\n"
        "rebuild_index(load_params('params.yaml'), __import__('pathlib').Path('.'))\n" + snapshot_code("yoloop")
    )
    fresh = f"import os\nos.environ['FIFTYONE_DATABASE_DIR'] = {str(fresh_db)!r}\n"
    fresh += "os.environ.pop('FIFTYONE_PRIVATE_DATABASE_PORT', None)  # else it joins this process's mongod\n"
    after = python("-c", fresh + rebuild, cwd=project)
    assert fresh_db.is_dir() and any(fresh_db.iterdir()), "the rebuild must have used the fresh database"
    first, second = (json.loads(out.split("SNAPSHOT", 1)[1]) for out in (before, after.stdout))
    assert first == second
    assert sum("relabel-round-1" in row[0] for row in first["rows"].values()) == TINY["mine"]["k"]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_app_in_headless_chromium_shows_the_dataset_and_samples(project, tmp_path):
    """`yoloop app` on 127.0.0.1, opened by Debian's chromium: the page names the dataset, the grid has pictures."""
    import subprocess
    import time
    import urllib.request

    import numpy as np
    from PIL import Image

    from tests.processes import project_env

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is needed (Debian: apt-get install -y chromium; `make test` installs it)"
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "app", "--port", str(port)],
        cwd=project,
        env=project_env(),
        stdout=(tmp_path / "app.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/datasets/yoloop"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                assert app.poll() is None, (tmp_path / "app.log").read_text()[-3000:]
                time.sleep(1)
        browse = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        browse += ["--window-size=1280,900", "--virtual-time-budget=25000"]
        shot = tmp_path / "app.png"
        subprocess.run([*browse, f"--screenshot={shot}", url], capture_output=True, timeout=120, check=True)
        dom = subprocess.run([*browse, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    finally:
        app.terminate()
        app.wait(timeout=60)
    assert "yoloop" in dom and "Samples" in dom
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    grid = pixels[150:, 320:]  # right of the sidebar, below the toolbar: the sample grid
    colours = len(np.unique(grid.reshape(-1, 3), axis=0))
    assert colours > 20000, f"the grid shows {colours} colours: no sample pictures rendered"


# Labels back (these run last: they add data/labels/round-1 to the shared project).


def returned_copy(tmp_path: Path, name: str) -> Path:
    returned = tmp_path / name
    shutil.copytree(Path("data/relabel/round-1/labels"), returned / "labels")
    return returned


def test_a_bad_returned_label_leaves_the_dataset_unchanged(inside, tmp_path):
    returned = returned_copy(tmp_path, "bad")
    first = sorted((returned / "labels").glob("*.txt"))[0]
    first.write_text("7 0.5 0.5 0.1 0.1\n")  # a class the batch does not have
    (returned / "labels" / "pool_99999.txt").write_text("0 0.5 0.5 0.1 0.1\n")  # an image not in the batch
    before = tree_digest(Path("data"))
    result = python("-m", "flows.cli", "labels", "import", str(returned), cwd=inside, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{first}:1:" in result.stderr and "class id 7" in result.stderr
    assert "pool_99999 is not in relabel batch round-1" in result.stderr
    assert "nothing was imported" in result.stderr
    assert tree_digest(Path("data")) == before
    assert not Path("data/labels").exists()


def test_export_then_import_of_corrected_labels_changes_exactly_those(inside, tmp_path):
    returned = returned_copy(tmp_path, "fixed")
    files = sorted((returned / "labels").glob("*.txt"))
    files[0].write_text("2 0.500000 0.500000 0.200000 0.200000\n")  # corrected: one star
    files[1].write_text("")  # nothing there after all
    before = tree_digest(Path("data"))
    python("-m", "flows.cli", "labels", "import", str(returned), cwd=inside)
    after = tree_digest(Path("data"))
    changed = {path for path in after if before.get(path) != after[path]}
    batch = json.loads(Path("data/relabel/round-1/manifest.json").read_text())["images"]
    expected = {f"labels/round-1/labels/{f.name}" for f in files} | {
        f"labels/round-1/images/{e['file']}" for e in batch
    }
    assert changed == expected | {"labels/round-1/manifest.json"} and set(before) <= set(after)
    for path in files:
        assert (Path("data/labels/round-1/labels") / path.name).read_bytes() == path.read_bytes()
    prepare_flow(load_params(inside / "params.yaml"), inside)  # the next round trains on them
    train_labels = Path("data/prepared/new/labels/train")
    for path in files:
        assert (train_labels / path.name).read_bytes() == path.read_bytes()
    card = json.loads(Path("data/prepared/dataset.json").read_text())
    assert card["splits"]["new/train"]["images"] == TINY["prepare"]["builtin"]["images"]["new_train"] + len(files)
