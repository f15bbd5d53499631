"""Files that cross stages: each has its model, one writer and one reader; a file that does not match is bad input
(exit 2) whose line names the file and the field; a file written before it had a version reads as version 1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest

from tasks.audit.reasons import KINDS
from tasks.core import (
    FILE_CONTRACTS,
    AuditBoxes,
    AuditImages,
    AuditPredictions,
    AuditSuspect,
    BatchEntry,
    Contract,
    DatasetCard,
    InputError,
    LabelRound,
    ModelCard,
    RawManifest,
    RelabelBatch,
    read_dataset_card,
    read_label_round,
    read_model_card,
    read_raw_manifest,
    read_relabel_batch,
    write_audit_boxes,
    write_audit_images,
    write_audit_predictions,
    write_dataset_card,
    write_label_round,
    write_model_card,
    write_raw_manifest,
    write_relabel_batch,
)
from tasks.core.contracts_audit import read_audit_boxes, read_audit_images, read_audit_predictions
from testkit.processes import project_env

KEY = "data/prepared/base/images/train/a.jpg"
SUSPECT = {
    "kind": "wrong_class",
    "box": 0,
    "label": "ring",
    "bounding_box": [0.1, 0.2, 0.3, 0.4],
    "score": 0.8,
    "priority": 0.9,
    "reason": "wrong class: the model sees a cross",
    "evidence": {"conf": 0.9},
}
MINED = {
    "image": "data/pool/images/p.jpg",
    "file": "p.jpg",
    "rank": 1,
    "source": "mining",
    "rule": "uncertainty",
    "reason": "score rank 1",
    "draft_boxes": 2,
    "scores": {"mining_score": 0.7, "shortlisted": True, "dominant_class": "ring"},
}
AUDITED = {
    "image": KEY,
    "file": "a.jpg",
    "rank": 1,
    "source": "audit",
    "reason": "label audit rank 1: wrong class",
    "labels": 1,
    "draft_boxes": 0,
    "suspects": [SUSPECT],
    "scores": {"audit_score": 0.9, "label_quality": None, "label_issue": True, "mistakenness": 0.4},
}
BATCH = {"round": 2, "model": "train:3", "params": {"k": 2}, "excluded": 4, "strategy": "uncertainty"}
BATCH |= {"rule": "uncertainty", "why": "", "model_val_map50_95": None, "names": ["ring", "cross"]}
RECORD = {"fold": 0, "label_quality": 0.2, "label_issue": True, "audit_score": 0.9, "reasons": ["wrong class"]}
RECORD |= {"mistakenness": None, "possible_missing": 0, "possible_spurious": 1}
BOX = {"line": 0, "label": "ring", "bounding_box": [0.1, 0.2, 0.3, 0.4], "cleanlab_swap": 0.1, "cleanlab_badloc": None}
BOX |= {"mistakenness": 0.3, "mistakenness_loc": None, "possible_spurious": False}
RAW_ENTRY = {"file": "images/train/a.jpg", "source": "a.jpg", "sha256": "a" * 64, "dhash": "0" * 16, "phash": "1" * 16}
RAW_ENTRY |= {"width": 64, "height": 48, "split": "train", "boxes": [[0, 0.5, 0.5, 0.2, 0.25]], "group": "a"}
STATS = {"images": 3, "backgrounds": 1, "classes": {"ring": {"instances": 2, "images": 2, "sizes": {"small": 2}}}}


@dataclass
class Case:
    """One contract: a valid file's content, where it lies, its writer and reader, and fields to break."""

    model: type[Contract]
    data: dict[str, Any]
    file: str
    write: Callable[[Path, Any], None]
    read: Callable[[Path], Any]
    wrong_type: tuple[tuple, Any, str]  # where in the JSON, a value of the wrong type, the field path the line names
    required: tuple[tuple, str]  # a required field to delete, and its path


CASES = {
    "raw manifest": Case(
        RawManifest,
        {"source": "/photos", "format": "yolo", "names": ["ring"], "images": [RAW_ENTRY]},
        "manifest.json",
        write_raw_manifest,
        read_raw_manifest,
        (("images", 0, "width"), "wide", "images[0].width"),
        (("images", 0, "sha256"), "images[0].sha256"),
    ),
    "model card": Case(
        ModelCard,
        {"names": ["ring", "cross"], "stage": "transfer", "from": "stage train", "transfers_since_scratch": 1}
        | {"model_version": "3", "registered_model": "yoloop-detector", "zoo": {"start": "yolov8n.pt"}},
        "card.json",
        write_model_card,
        read_model_card,
        (("names",), 3, "names"),
        (("names",), "names"),
    ),
    "dataset card": Case(
        DatasetCard,
        {"classes": {"base": ["ring"], "new": ["cross"]}, "splits": {"base/train": STATS}},
        "dataset.json",
        write_dataset_card,
        read_dataset_card,
        (("classes", "base"), "ring", "classes.base"),
        (("classes", "new"), "classes.new"),
    ),
    "audit images": Case(
        AuditImages,
        {"names": ["ring", "cross"], "images": {KEY: RECORD}},
        "images.json",
        write_audit_images,
        read_audit_images,
        (("images", KEY, "fold"), "first", f"images[{KEY}].fold"),
        (("images", KEY, "audit_score"), f"images[{KEY}].audit_score"),
    ),
    "audit boxes": Case(
        AuditBoxes,
        {"images": {KEY: {"boxes": [BOX], "suspects": [SUSPECT]}}},
        "boxes.json",
        write_audit_boxes,
        read_audit_boxes,
        (("images", KEY, "suspects", 0, "box"), "the first", f"images[{KEY}].suspects[0].box"),
        (("images", KEY, "suspects", 0, "reason"), f"images[{KEY}].suspects[0].reason"),
    ),
    "audit predictions": Case(
        AuditPredictions,
        {"names": ["ring"], "images": {KEY: [["ring", 0.9, 0.1, 0.2, 0.3, 0.4]]}},
        "predictions.json",
        write_audit_predictions,
        read_audit_predictions,
        (("images", KEY, 0, 2), "left", f"images[{KEY}][0][2]"),
        (("names",), "names"),
    ),
    "relabel batch": Case(
        RelabelBatch,
        BATCH | {"images": [MINED, AUDITED]},
        "batch.json",
        write_relabel_batch,
        read_relabel_batch,
        (("images", 1, "source"), "oracle", "images[1].source"),
        (("images", 0, "draft_boxes"), "images[0].draft_boxes"),
    ),
    "label round": Case(
        LabelRound,
        {"round": 2, "names": ["ring", "cross"], "images": [AUDITED, MINED]},
        "manifest.json",
        write_label_round,
        read_label_round,
        (("round",), "two", "round"),
        (("images", 0, "file"), "images[0].file"),
    ),
}


def written(case: Case, folder: Path, data: dict | None = None) -> Path:
    """`data` (the case's own by default) as a file where its reader looks, written as JSON as is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.file
    path.write_text(json.dumps(case.data if data is None else data))
    return path


def changed(data: dict, where: tuple, value: Any = None, delete: bool = False) -> dict:
    """A deep copy of `data` with the value at `where` replaced (or deleted)."""
    copy = json.loads(json.dumps(data))
    parent = copy
    for step in where[:-1]:
        parent = parent[step]
    if delete:
        del parent[where[-1]]
    else:
        parent[where[-1]] = value
    return copy


def problems(case: Case, folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        case.read(folder)
    return caught.value.lines


@pytest.mark.parametrize("name", CASES)
def test_a_valid_file_round_trips_through_its_writer_and_reader_byte_for_byte(name, tmp_path):
    case = CASES[name]
    case.write(tmp_path, case.model.model_validate(case.data))
    first = (tmp_path / case.file).read_text()
    assert json.loads(first) == {**case.data, "version": 1}, "what the writer set, and the version"
    read = case.read(tmp_path)
    assert isinstance(read, case.model) and read.version == 1
    case.write(tmp_path / "again", read)
    assert (tmp_path / "again" / case.file).read_text() == first


@pytest.mark.parametrize("name", CASES)
def test_a_field_of_the_wrong_type_names_the_file_and_the_field(name, tmp_path):
    case = CASES[name]
    where, value, field = case.wrong_type
    path = written(case, tmp_path, changed(case.data, where, value))
    lines = problems(case, tmp_path)
    assert len(lines) == 1 and lines[0].startswith(f"{path}: {field}: "), lines
    assert repr(value) in lines[0], "the line shows the value found"


@pytest.mark.parametrize("name", CASES)
def test_a_missing_required_field_names_the_file_and_the_field(name, tmp_path):
    case = CASES[name]
    where, field = case.required
    path = written(case, tmp_path, changed(case.data, where, delete=True))
    assert problems(case, tmp_path) == [f"{path}: {field}: required field is missing"]


@pytest.mark.parametrize("name", CASES)
def test_a_newer_version_is_refused_and_none_reads_as_version_one(name, tmp_path):
    case = CASES[name]
    path = written(case, tmp_path, {**case.data, "version": 2})
    assert problems(case, tmp_path) == [
        f"{path}: version: version 2 is newer than this yoloop reads (1): update yoloop (got 2)"
    ]
    written(case, tmp_path, {**case.data, "version": 0})
    assert problems(case, tmp_path)[0].startswith(f"{path}: version: version 0 is no version")
    written(case, tmp_path)  # as files were written before they carried a version
    assert case.read(tmp_path).version == 1


@pytest.mark.parametrize("name", CASES)
def test_an_unknown_field_is_refused_except_on_the_model_card(name, tmp_path):
    case = CASES[name]
    path = written(case, tmp_path, {**case.data, "surprise": 1})
    if case.model is ModelCard:  # training describes its start freely: kept as it is
        assert case.read(tmp_path).model_extra == {"zoo": {"start": "yolov8n.pt"}, "surprise": 1}
    else:
        assert problems(case, tmp_path) == [f"{path}: surprise: unknown field (got 1)"]


@pytest.mark.parametrize("name", CASES)
def test_a_file_that_is_not_json_or_not_an_object_is_named(name, tmp_path):
    case = CASES[name]
    path = tmp_path / case.file
    path.write_text('{"names": [')
    assert problems(case, tmp_path)[0].startswith(f"{path}: not JSON (Expecting value at line 1, column 12)")
    path.write_text("[1, 2]")
    assert problems(case, tmp_path)[0].startswith(f"{path}: <top level>: Input should be a valid dictionary")


def test_a_missing_file_says_what_writes_it(tmp_path):
    with pytest.raises(InputError, match=r"card.json: missing; run the train stage first \(dvc repro train\)"):
        read_model_card(tmp_path / "train")
    assert read_model_card(tmp_path / "train", required=False) is None
    with pytest.raises(InputError, match=r"batch.json: missing; `dvc repro mine` hands out the batch first"):
        read_relabel_batch(tmp_path / "round-1")
    assert read_dataset_card(tmp_path, required=False) is None


def test_every_problem_of_a_file_gets_its_own_line(tmp_path):
    case = CASES["relabel batch"]
    broken = changed(changed(case.data, ("round",), "second"), ("images", 0, "rank"), None)
    path = written(case, tmp_path, changed(broken, ("images", 1, "labels"), delete=True))
    lines = problems(case, tmp_path)
    assert [line.split(": ")[1] for line in lines] == ["round", "images[0].rank", "images[1]"], lines
    assert (
        lines[0]
        == f"{path}: round: Input should be a valid integer, unable to parse string as an integer (got 'second')"
    )
    assert lines[2].startswith(f"{path}: images[1]: an audit image needs `labels` and `suspects` (got {{'image': ")


def test_a_batch_handed_out_before_the_rename_still_reads(tmp_path):
    """Its file was manifest.json, and its mined entries had no `source`: they are the mining's."""
    legacy = changed(BATCH | {"images": [MINED]}, ("images", 0, "source"), delete=True)
    (tmp_path / "manifest.json").write_text(json.dumps(legacy))
    batch = read_relabel_batch(tmp_path)
    assert batch.images[0].source == "mining" and batch.round == 2
    (tmp_path / "manifest.json").write_text(json.dumps({**legacy, "round": "2nd"}))
    with pytest.raises(InputError, match=r"manifest.json: round: "):
        read_relabel_batch(tmp_path)


def test_boxes_written_before_they_had_a_version_read_as_they_were(tmp_path):
    """boxes.json was the table itself, {key: {boxes, suspects}}."""
    (tmp_path / "boxes.json").write_text(json.dumps({KEY: {"boxes": [BOX], "suspects": [SUSPECT]}}))
    assert read_audit_boxes(tmp_path).images[KEY].suspects[0].reason == SUSPECT["reason"]


def test_an_old_raw_entry_without_phash_and_a_card_with_an_int_version_read():
    entry = {k: v for k, v in RAW_ENTRY.items() if k != "phash"}
    assert RawManifest.model_validate({**CASES["raw manifest"].data, "images": [entry]}).images[0].phash == ""
    card = ModelCard.model_validate({"names": ["ring"], "model_version": 3})
    assert card.model_version == "3" and card.transfers_since_scratch == 0 and card.transferred_from is None
    assert ModelCard.model_validate({"names": [], "from": "stage train"}).transferred_from == "stage train"
    kept = ModelCard.model_validate({"names": [], "transferred_from": "a zoo"})  # a key of its own, kept as it is
    assert kept.transferred_from is None and kept.model_extra == {"transferred_from": "a zoo"}


def test_a_suspect_kind_is_one_the_audit_names():
    assert set(get_args(AuditSuspect.model_fields["kind"].annotation)) == set(KINDS)
    assert set(get_args(BatchEntry.model_fields["source"].annotation)) == {"mining", "audit"}


def test_the_table_of_contracts_lists_each_model_once_by_the_path_users_see():
    assert sorted(m.__name__ for m in FILE_CONTRACTS.values()) == sorted(c.model.__name__ for c in CASES.values())
    for pattern, model in FILE_CONTRACTS.items():
        assert issubclass(model, Contract) and "version" in model.model_fields, pattern
        assert pattern.endswith(".json") and model.__doc__, pattern
    assert FILE_CONTRACTS["models/<stage>/card.json"] is ModelCard
    assert FILE_CONTRACTS["data/relabel/round-<N>/batch.json"] is RelabelBatch


def labels_import(root: Path, returned: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "labels", "import", str(returned), "--no-dvc"],
        cwd=root,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_labels_import_against_a_corrupted_batch_file_exits_2_naming_file_and_field(tmp_path):
    """`yoloop labels import` (the real command) reads the batch the mine stage wrote: a broken field stops it."""
    batch = tmp_path / "data/relabel/round-2"
    (batch / "images").mkdir(parents=True)
    (batch / "images" / "p.jpg").write_bytes(b"pixels")
    case = CASES["relabel batch"]
    written(case, batch, changed(BATCH | {"images": [MINED]}, ("images", 0, "draft_boxes"), "two"))
    returned = tmp_path / "returned"
    (returned / "labels").mkdir(parents=True)
    (returned / "labels" / "p.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    result = labels_import(tmp_path, returned)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "error: data/relabel/round-2/batch.json: images[0].draft_boxes: "
        "Input should be a valid integer, unable to parse string as an integer (got 'two')"
    ]
    assert not (tmp_path / "data/labels").exists()
    written(case, batch, BATCH | {"images": [MINED]})
    result = labels_import(tmp_path, returned)
    assert result.returncode == 0, result.stdout + result.stderr
    assert read_label_round(tmp_path / "data/labels/round-2").images[0].file == "p.jpg"
