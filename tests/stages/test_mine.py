"""The mine stage with the real detector, FiftyOne (real mongod) and Prefect, on tiny data.

One project runs prepare -> train -> mine once; the tests read what it wrote, then take
labels back (good and bad ones) and rebuild the FiftyOne database from files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from flows.mine import mine_flow
from flows.prepare import prepare_flow
from flows.train import train_flow
from tasks.params import load_params
from tests.processes import python
from tests.profiles import TINY, write_params

pytestmark = pytest.mark.slow

VIEWS = {"false_positives", "missed_objects", "low_confidence", "possible_label_mistakes", "hardest_pool"}


@pytest.fixture(scope="module")
def project(tmp_path_factory, prefect_harness) -> Path:
    root = tmp_path_factory.mktemp("mine")
    params = load_params(write_params(root / "params.yaml", TINY))
    previous = Path.cwd()
    os.chdir(root)
    try:
        prepare_flow(params)
        train_flow(params)
        mine_flow(params)
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
    files = sorted(e["file"] for e in manifest["images"])
    assert sorted(p.name for p in (batch / "images").iterdir()) == files
    assert sorted(p.stem for p in (batch / "labels").iterdir()) == sorted(Path(f).stem for f in files)
    for entry in manifest["images"]:
        assert entry["reason"].startswith("score rank") and 0 <= entry["scores"]["mining_score"]
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
    params = load_params(write_params(inside / "params2.yaml", TINY, {"mine": {"round": 2, "fiftyone_dataset": "r2"}}))
    mine_flow(params)
    first = {e["image"] for e in json.loads(Path("data/relabel/round-1/manifest.json").read_text())["images"]}
    second = {e["image"] for e in json.loads(Path("data/relabel/round-2/manifest.json").read_text())["images"]}
    assert len(second) == TINY["mine"]["k"] and not first & second
    assert json.loads(Path("data/relabel/round-2/manifest.json").read_text())["excluded"] == len(first)
    shutil.rmtree("data/relabel/round-2")
    mine_flow(load_params(inside / "params.yaml"))  # leave the project as the fixture made it


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
    before = python("-c", "import tasks\n" + snapshot_code("yoloop"), cwd=project).stdout
    fresh_db = tmp_path / "db"
    rebuild = (
        "import tasks\nfrom flows.app import rebuild_index\nfrom tasks.params import load_params\n"
        "rebuild_index(load_params('params.yaml'))\n" + snapshot_code("yoloop")
    )
    after = python("-c", f"import os; os.environ['FIFTYONE_DATABASE_DIR'] = {str(fresh_db)!r}\n" + rebuild, cwd=project)
    assert fresh_db.is_dir() and any(fresh_db.iterdir()), "the rebuild must have used the fresh database"
    first, second = (json.loads(out.split("SNAPSHOT", 1)[1]) for out in (before, after.stdout))
    assert first == second
    assert sum("relabel-round-1" in row[0] for row in first["rows"].values()) == TINY["mine"]["k"]
