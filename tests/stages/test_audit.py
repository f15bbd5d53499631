"""The audit stage with the real detector, cleanlab and FiftyOne (real mongod), then its findings in mine.

One project, a copy of the session's trained one, runs mine (no audit yet: the reference batch)
then audit, on tiny data. The fold models of the tiny profile are too weak to find anything, so
the last tests hand the mine stage an audit of known findings (hand-made predictions, scored by
the real scoring and written by the real report writer), in copies of their own, and check that
the view and the relabel batch carry them; the audited project stays as the stage left it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from flows.audit import audit_flow
from flows.mine import mine_flow
from tasks.audit import audited_images, find_label_issues, load_audit_images
from tasks.audit.boxes import Prediction
from tasks.audit.report import write_audit_reports
from tasks.core import Layout, read_card
from testkit.profiles import TINY
from tests.projects import Project

pytestmark = pytest.mark.slow

# Mine the train stage's model (no transfer here); fold models train one epoch, as the tiny profile's train does.
AUDITED = {"mine": {"model": "train"}, "audit": {"epochs": 1}}
BATCH = "data/relabel/round-1"


def tree_digest(root: Path) -> dict[str, str]:
    files = (p for p in root.rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def project(tmp_path_factory, trained_project) -> dict:
    audited = trained_project.copy_to(tmp_path_factory.mktemp("audit") / "project")
    audited.update_params(AUDITED)
    params, root = audited.params(), audited.root
    with audited.active():
        mine_flow(params, root)
        before = tree_digest(root / BATCH)
        summary = audit_flow(params, root)
    return {"project": audited, "root": root, "params": params, "batch_before": before, "summary": summary}


def test_every_labelled_train_image_is_predicted_by_a_model_that_never_saw_it(project):
    root, folds = project["root"], project["params"].audit.folds
    images = json.loads((root / "reports/audit/images.json").read_text())["images"]
    tiny = TINY["prepare"]["builtin"]["images"]
    assert len(images) == tiny["base_train"] + tiny["new_train"]
    assert {r["fold"] for r in images.values()} == set(range(folds))
    predictions = json.loads((root / "reports/audit/predictions.json").read_text())["images"]
    assert set(predictions) == set(images)
    for fold in range(folds):
        trained_on = {p.name for p in (Layout(root).scratch / "audit" / f"fold-{fold}/train/images").iterdir()}
        held_out = {Path(k).name for k, r in images.items() if r["fold"] == fold}
        assert held_out and not trained_on & held_out
        assert trained_on | held_out == {Path(k).name for k in images}
    metrics = json.loads((root / "metrics/audit.json").read_text())
    assert metrics["images"] == len(images) and metrics["folds"] == folds
    assert set(metrics["suspects"]) == {"wrong_class", "misplaced", "missing", "spurious"}
    assert (root / "reports/audit/report.md").read_text().startswith("# Label audit")
    assert bool(metrics["warnings"]) == (metrics["confident_predictions"] == 0)  # 1-epoch fold models: likely none


def planted_audit(params, root: Path) -> dict[str, str]:
    """reports/audit from predictions that agree with every label but two: a class flip and a shifted box."""
    layout = Layout(root)
    dataset = read_card(layout.prepared)
    names = dataset.names_for(params.audit.data)
    paths = audited_images(dataset, params.audit.data, params.audit.folds)
    images = load_audit_images(paths, dataset.names, names, layout)
    for image in images:
        image.predictions = [Prediction(b.cls, 0.9, b.xyxy) for b in image.truth]
    flipped = next(i for i in images if i.truth)
    shifted = next(i for i in images if len(i.truth) == 1 and i is not flipped)
    box = flipped.truth[0]
    flipped.predictions[0] = Prediction((box.cls + 1) % 2, 0.9, box.xyxy)
    x1, y1, x2, y2 = shifted.truth[0].xyxy
    move = 0.6 * (x2 - x1)  # IoU (1 - 0.6) / (1 + 0.6) = 0.25 with the labelled box
    shifted.predictions[0] = Prediction(shifted.truth[0].cls, 0.9, (x1 + move, y1, x2 + move, y2))
    findings = find_label_issues(images, names, params.audit)
    assert not write_audit_reports(findings, layout.reports / "audit", 10, params.audit.confident)["warnings"]
    return {flipped.key: "wrong class", shifted.key: "box misplaced"}


@pytest.fixture(scope="module")
def planted(project, tmp_path_factory) -> tuple[Project, dict[str, str]]:
    """A copy of the audited project whose reports/audit holds known suspects, and those suspects' reasons."""
    copy = project["project"].copy_to(tmp_path_factory.mktemp("planted") / "project")
    return copy, planted_audit(copy.params(), copy.root)


def test_a_batch_with_audit_share_zero_is_unchanged(project, planted, tmp_path, monkeypatch):
    """Mined again (audit_share 0) in a copy that keeps the audited project's FiftyOne name, since the
    manifest records mine's params: any other difference from the batch mined before the audit shows."""
    copy = planted[0].copy_to(tmp_path / "project").enter(monkeypatch)
    copy.update_params({"mine": {"fiftyone_dataset": project["project"].fiftyone_dataset}})
    images = json.loads((copy.root / "reports/audit/images.json").read_text())["images"]
    assert sorted(k for k, r in images.items() if r["audit_score"] > 0) == sorted(planted[1]), "suspects to hand out"
    mine_flow(copy.params(), copy.root)  # audit_share is 0
    assert tree_digest(copy.root / BATCH) == project["batch_before"]
    assert "audit_chosen" not in json.loads((copy.root / "reports/mine/summary.json").read_text())


@pytest.fixture(scope="module")
def audited_batch(planted, tmp_path_factory) -> tuple[Project, dict[str, str]]:
    """A copy of the planted project mined with audit_share 0.67; its suspects' reasons."""
    copy = planted[0].copy_to(tmp_path_factory.mktemp("audited") / "project")
    copy.update_params({"mine": {"audit_share": 0.67}})
    copy.run(mine_flow)
    return copy, planted[1]


def test_the_relabel_manifest_carries_the_suspect_boxes_and_reasons(audited_batch):
    copy, reasons = audited_batch
    batch = copy.root / BATCH
    manifest = json.loads((batch / "manifest.json").read_text())
    audit = [e for e in manifest["images"] if e.get("source") == "audit"]
    assert len(manifest["images"]) == TINY["mine"]["k"] and {e["image"] for e in audit} == set(reasons)
    for entry in audit:
        reason = reasons[entry["image"]]
        assert entry["reason"].startswith("label audit rank") and reason in entry["reason"]
        assert [s["box"] for s in entry["suspects"]] == [0] and entry["suspects"][0]["reason"].startswith(reason)
        labels = (copy.root / entry["image"].replace("/images/", "/labels/")).with_suffix(".txt")
        assert (batch / "labels" / f"{Path(entry['file']).stem}.txt").read_bytes() == labels.read_bytes()


def test_cvat_and_label_studio_files_mark_the_suspect_box(audited_batch):
    batch = audited_batch[0].root / BATCH
    manifest = json.loads((batch / "manifest.json").read_text())
    reasons = {e["file"]: e["suspects"][0]["reason"] for e in manifest["images"] if e.get("source") == "audit"}
    cvat = ET.parse(batch / "cvat_annotations.xml").getroot()
    declared = {a.findtext("name") for a in cvat.iter("attribute") if a.find("name") is not None}
    assert declared == {"audit"}
    for image in cvat.iter("image"):
        marked = [(i, a.text) for i, b in enumerate(image.iter("box")) for a in b.iter("attribute")]
        assert marked == ([(0, reasons[image.get("name")])] if image.get("name") in reasons else [])
    listed = json.loads((batch / "label_studio_tasks.json").read_text())
    tasks = {t["data"]["image"].rsplit("/", 1)[1]: t for t in listed}
    for file_name, reason in reasons.items():
        result = tasks[file_name]["predictions"][0]["result"]
        text = [r for r in result if r["type"] == "textarea"]
        assert len(text) == 1 and text[0]["value"]["text"] == [reason] and text[0]["id"] == result[0]["id"]
    assert 'TextArea name="audit"' in (batch / "label_studio_config.xml").read_text()


def test_the_possible_label_mistakes_view_sorts_by_the_audit_and_carries_the_reasons(audited_batch):
    import fiftyone as fo

    copy, reasons = audited_batch
    index = fo.load_dataset(copy.fiftyone_dataset)
    view = index.load_saved_view("possible_label_mistakes")
    assert set(view.values("key")) == set(reasons)
    scores = view.values("audit_score")
    assert scores == sorted(scores, reverse=True) and min(scores) > 0
    for sample in view:
        reason = reasons[sample.key]
        assert sample.audit_reasons[0].startswith(reason)
        assert sample.ground_truth.detections[0].audit_reason.startswith(reason)
        assert sample.oof_predictions is not None and len(sample.oof_predictions.detections) >= 1
    assert "relabel-round-1" in view.first().tags
