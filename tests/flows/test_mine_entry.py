"""`python -m flows.mine` without the model it is told to use, or with nothing to mine: exit 2, naming the fix."""

from __future__ import annotations

import shutil

import pytest

from testkit.processes import python
from tests.real_data import real_datasets

pytestmark = pytest.mark.slow  # runs prepare and a Prefect flow

CARDS = {"base": ["ace", "king", "queen", "jack", "ten"], "new": ["nine"]}
RESPLIT = {"val": 0.25, "test": 0.25}


def test_mine_without_the_model_stops_with_a_clear_error(make_project):
    root = make_project({"prepare": {"builtin": {"images": {"pool": 2}}}, "mine": {"model": "train"}}).root
    python("-m", "flows.prepare", cwd=root)
    result = python("-m", "flows.mine", cwd=root, check=False, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "error: models/train/card.json: missing; run the train stage first (dvc repro train)" in result.stderr
    assert not (root / "data/relabel").exists() and not (root / "reports/mine").exists()


def test_mine_with_an_empty_pool_stops_naming_prepare_pool(make_project):
    """Real photos imported as a labelled set, no `prepare.pool`: mine refuses instead of handing out nothing."""
    cards = real_datasets() / "playing-cards" / "images" / "train"
    project = make_project(
        {"prepare": {"source": "datasets", "datasets": [{"name": "cards"}], "classes": CARDS, "resplit": RESPLIT}}
    )
    folder = project.root.parent / "cards"
    folder.mkdir()
    for xml in sorted(cards.glob("*.xml"))[:8]:
        shutil.copy(xml, folder)
        shutil.copy(xml.with_suffix(".JPG"), folder)
    python("-m", "cli", "import", str(folder), "--name", "cards", cwd=project.root)
    python("-m", "flows.prepare", cwd=project.root)
    result = python("-m", "flows.mine", cwd=project.root, check=False, timeout=300)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "error: data/pool/images: no image for mine to score; prepare.pool names no unlabelled import" in (
        result.stderr
    )
    assert not (project.root / "data/relabel").exists() and not (project.root / "reports/mine").exists()
