"""`yoloop import` on the real datasets as published: the findings a reviewer can check by eye.

plysaci: the yamls point to `../<set>/...` (Ultralytics drops the `../`) and to test
folders that do not exist (2plysaci/test and prasatko/test hold images loose, and only
prasatko's one labelled image there is taken; 3plysaci has none): a declared split that
imports nothing stops the import (issue 27) unless imports.optional_splits names it.
coco128: a Windows path, val = train (so val imports nothing: the same), ' tennis racket',
two backgrounds, two label files without images, one grayscale JPEG. bccd: two boxes of
zero area (BloodImage_00338 line 158, BloodImage_00343 line 50).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tasks.core import ImportParams, InputError
from tasks.data import import_dataset
from tests.real_data import copy_real_sets, tree_digest

LENIENT, STRICT = ImportParams(policy="lenient"), ImportParams(policy="strict")
NO_TEST = ImportParams(optional_splits=["test"])  # 2plysaci and 3plysaci name a test split they do not have


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    return copy_real_sets(tmp_path_factory.mktemp("real"), "plysaci", "coco128", "bccd")


def _run(source: Path, name: str, raw: Path, params: ImportParams = LENIENT):
    return import_dataset(source, name, "auto", params, raw=raw, use_dvc=False)


def _by_severity(report: dict, severity: str) -> list[str]:
    return [f"{Path(f['path']).name}: {f['reason']}" for f in report["findings"] if f["severity"] == severity]


@pytest.mark.parametrize(
    ("yaml_name", "train", "val", "test", "severity", "test_hint"),
    [
        (
            "2plysaci",
            23,
            3,
            0,
            "warning",
            "test/ holds 2 images directly, outside an images/ folder, none with a label",
        ),
        ("prasatko", 8, 2, 1, "warning", "test/ holds 2 images directly, outside an images/ folder: took the 1 with"),
        ("3plysaci", 32, 5, 0, "warning", "does not exist"),
    ],
)
def test_plysaci_sets(copies, tmp_path, yaml_name, train, val, test, severity, test_hint):
    before = tree_digest(copies / "plysaci")
    result = _run(copies / "plysaci" / f"{yaml_name}.yaml", yaml_name, tmp_path, NO_TEST)
    assert result.report["images"] == {"train": train, "val": val, "test": test}
    assert result.report["quarantined"] == [] and result.report["backgrounds"] == 0
    [test_line] = [line for line in _by_severity(result.report, severity) if ": test: folder" in line]
    assert test_line.startswith(f"{yaml_name}.yaml: test: folder '../{yaml_name}/test/images' does not exist")
    assert test_hint in test_line
    assert _by_severity(result.report, "error") == []  # the test split may be empty: imports.optional_splits
    empty = [w for w in _by_severity(result.report, "warning") if "allowed by imports.optional_splits" in w]
    assert len(empty) == (0 if test else 1)
    dropped = [w for w in _by_severity(result.report, "warning") if "Ultralytics drops a leading ../" in w]
    assert len(dropped) == 2  # train and val
    caches = [n for n in _by_severity(result.report, "note") if "Ultralytics label cache" in n]
    assert len(caches) == (2 if yaml_name == "2plysaci" else 0)  # 2plysaci ships train/ and valid/labels.cache
    manifest = json.loads((result.dest / "manifest.json").read_text())
    assert len(manifest["images"]) == train + val + test and all(len(m["sha256"]) == 64 for m in manifest["images"])
    assert tree_digest(copies / "plysaci") == before


@pytest.mark.parametrize("yaml_name", ["2plysaci", "3plysaci"])
@pytest.mark.parametrize("params", [LENIENT, STRICT], ids=["lenient", "strict"])
def test_a_declared_test_split_with_nothing_to_import_stops(copies, tmp_path, yaml_name, params):
    with pytest.raises(InputError) as raised:
        _run(copies / "plysaci" / f"{yaml_name}.yaml", yaml_name, tmp_path, params)
    first, counts, fix = raised.value.lines
    assert f"test: declared ({yaml_name}.yaml test: '../{yaml_name}/test/images') but no image" in first
    assert counts.endswith(", test 0 -> 0") and "imports.optional_splits in params.yaml: [test]" in fix
    assert not (tmp_path / yaml_name).exists()


def test_plysaci_strict_goes_on_past_an_optional_split(copies, tmp_path):
    strict = NO_TEST.model_copy(update={"policy": "strict"})
    result = _run(copies / "plysaci" / "3plysaci.yaml", "3plysaci", tmp_path, strict)
    assert result.report["images"] == {"train": 32, "val": 5, "test": 0}


def test_coco128_as_published(copies, tmp_path):
    with pytest.raises(InputError) as raised:  # val is train's folder: it would import nothing
        _run(copies / "coco128", "coco128", tmp_path)
    assert raised.value.lines[0].endswith(
        "found as images/train under the yaml's folder; same folder as train; every image would leak; val skipped"
    )
    result = _run(copies / "coco128", "coco128", tmp_path, ImportParams(optional_splits=["val"]))
    report = result.report
    assert report["images"] == {"train": 128, "val": 0, "test": 0} and report["backgrounds"] == 2
    assert _by_severity(report, "error") == []
    warnings = _by_severity(report, "warning")
    assert "data.yaml: val: same folder as train; every image would leak; val skipped" in warnings
    assert "data.yaml: class 38 name ' tennis racket' has stray whitespace; stripped" in warnings
    assert sum("Windows path" in w for w in warnings) == 2
    orphans = sorted(w.split(":")[0] for w in warnings if "label file without an image" in w)
    assert orphans == ["000000000656.txt", "000000000659.txt"]
    assert any(w.startswith("stats.json: train: class imbalance") and "person" in w for w in warnings)
    notes = _by_severity(report, "note")
    assert [n.split(":")[0] for n in notes if "label cache" in n] == ["train.cache"]
    assert sorted(n.split(":")[0] for n in notes if "background" in n) == ["000000000250.jpg", "000000000508.jpg"]
    assert [n.split(":")[0] for n in notes if "grayscale" in n] == ["000000000086.jpg"]
    assert Image.open(result.dest / "images/train/000000000086.jpg").mode == "RGB"
    data = (result.dest / "data.yaml").read_text()
    assert "tennis racket" in data and "' tennis" not in data and "val:" not in data


def test_bccd_voc_with_imagesets(copies, tmp_path):
    before = tree_digest(copies / "bccd")
    result = _run(copies / "bccd", "bccd", tmp_path)
    assert tree_digest(copies / "bccd") == before  # quarantine copies; the source keeps every file
    report = result.report
    assert report["images"] == {"train": 204, "val": 86, "test": 72}  # 205, 87, 72 less one quarantined each
    assert _by_severity(report, "error") == [
        "BloodImage_00338.xml: box has zero or negative area (504,337)-(504,337)",
        "BloodImage_00343.xml: box has zero or negative area (181,329)-(181,329)",
    ]
    lines = sorted(f["line"] for f in report["findings"] if f["severity"] == "error")
    assert lines == [50, 158]
    assert [q["file"] for q in report["quarantined"]] == [
        "quarantine/JPEGImages/BloodImage_00338.jpg",
        "quarantine/JPEGImages/BloodImage_00343.jpg",
    ]
    assert (result.dest / "quarantine/Annotations/BloodImage_00338.xml").is_file()
    assert "364 annotations carry an absolute <path>" in " ".join(_by_severity(report, "note"))
    assert json.loads((result.dest / "manifest.json").read_text())["names"] == ["Platelets", "RBC", "WBC"]
    assert "ERRORS (2)" in (result.dest / "report.txt").read_text()


def test_cli_import_is_versioned_by_dvc(copies, tmp_path):
    """The real `dvc add` in a fresh git + DVC repository, through the command a user types."""
    from testkit.processes import init_repo, python

    repo = init_repo(tmp_path / "repo")
    source = copies / "plysaci" / "prasatko.yaml"
    out = python("-m", "cli", "import", str(source), "--name", "pig", cwd=repo).stdout
    assert "versioned with DVC: data/raw/pig.dvc" in out and "quarantined: 0" in out
    assert (repo / "data/raw/pig.dvc").is_file() and "/pig" in (repo / "data/raw/.gitignore").read_text()
    assert "up to date" in python("-m", "dvc", "status", "data/raw/pig.dvc", cwd=repo).stdout
    toys = copies / "plysaci" / "2plysaci.yaml"  # its test/ holds two photos without labels: test imports nothing
    strict = python("-m", "cli", "import", str(toys), "--name", "toys", "--policy", "strict", cwd=repo, check=False)
    assert strict.returncode == 2 and not (repo / "data/raw/toys").exists()
    assert "error: " in strict.stderr and "test: declared (2plysaci.yaml test:" in strict.stderr
    assert "imports.optional_splits" in strict.stderr
