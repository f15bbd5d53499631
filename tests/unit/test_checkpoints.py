"""The fingerprint that decides whether a training run may resume another."""

from __future__ import annotations

from pathlib import Path

from tasks.core import Layout
from tasks.train import run_fingerprint, run_folder
from tasks.train.checkpoints import drop_unsaved_epochs, resumable_checkpoint


def test_fingerprint_changes_with_arguments_and_labels(tmp_path: Path):
    data = tmp_path / "data"
    (data / "labels").mkdir(parents=True)
    (data / "labels" / "a.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    before = run_fingerprint("yolov8n.yaml", {"epochs": 3}, data)
    assert run_fingerprint("yolov8n.yaml", {"epochs": 3}, data) == before
    assert run_fingerprint("yolov8n.yaml", {"epochs": 4}, data) != before
    assert run_fingerprint("yolo11n.yaml", {"epochs": 3}, data) != before
    (data / "labels" / "a.txt").write_text("1 0.5 0.5 0.1 0.1\n")
    assert run_fingerprint("yolov8n.yaml", {"epochs": 3}, data) != before


def test_label_caches_do_not_change_the_fingerprint(tmp_path: Path):
    (tmp_path / "labels").mkdir()
    before = run_fingerprint("m.yaml", {}, tmp_path)
    (tmp_path / "labels.cache").write_bytes(b"written by Ultralytics")
    assert run_fingerprint("m.yaml", {}, tmp_path) == before


def test_no_checkpoint_or_a_torn_one_is_not_resumed(tmp_path: Path):
    assert resumable_checkpoint(tmp_path) is None
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "last.pt").write_bytes(b"torn")
    assert resumable_checkpoint(tmp_path) is None


def test_a_start_checkpoint_counts_by_its_bytes(tmp_path: Path):
    start = tmp_path / "start.pt"
    start.write_bytes(b"model one")
    before = run_fingerprint(str(start), {}, tmp_path)
    start.write_bytes(b"model two")
    assert run_fingerprint(str(start), {}, tmp_path) != before


def test_rows_of_epochs_after_the_checkpoint_are_dropped(tmp_path: Path):
    import torch

    torch.save({"epoch": 1, "optimizer": {}}, tmp_path / "last.pt")
    (tmp_path / "results.csv").write_text("epoch,loss\n1,0.9\n2,0.8\n3,0.7\n")
    assert drop_unsaved_epochs(tmp_path, tmp_path / "last.pt") == 2
    assert (tmp_path / "results.csv").read_text() == "epoch,loss\n1,0.9\n2,0.8\n"


def test_two_checkouts_sharing_a_state_dir_keep_their_own_scratch_and_runs(tmp_path: Path, monkeypatch):
    """Two workers on one machine share YOLOOP_STATE_DIR; each run works in its own clone and loses nothing."""
    monkeypatch.setenv("YOLOOP_STATE_DIR", str(tmp_path / "state"))
    first, second = Layout(tmp_path / "clone-1"), Layout(tmp_path / "clone-2")
    staged = first.fresh_scratch("train") / "data.yaml"
    staged.write_text("path: staged\n")
    running = run_folder(first.runs / "train", "a" * 16)
    (running / "weights").mkdir(parents=True)
    second.fresh_scratch("train")
    run_folder(second.runs / "train", "b" * 16)  # another fingerprint (another lr0), at the same time
    assert staged.read_text() == "path: staged\n" and (running / "weights").is_dir()
    assert not (tmp_path / "state" / "work").exists() and not (tmp_path / "state" / "runs").exists()


def test_a_new_fingerprint_in_a_checkout_removes_its_older_runs(tmp_path: Path):
    runs = Layout(tmp_path).runs / "train"
    old = run_folder(runs, "a" * 16)
    old.mkdir(parents=True)
    assert run_folder(runs, "b" * 16) == runs / ("b" * 16) and not old.exists()
