"""The paired design: in each repeat every arm starts from the same seed images and seed weights (by hash),
and the seed sets differ between repeats.

The loop runs for real on files (copies, the oracle, hashes, the report); only the training is
a stand-in that writes a new weights file per call, as a real training would, so a loop that
trained a seed model per arm, or gave arms different seed images, shows up in the hashes.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from tasks.core import ActiveLearningParams, PreparedDataset
from tasks.loop import LoopPlan, prepared_repeats, run_repeats, write_efficiency_report
from tasks.loop.curves import choose_random

ARMS = ("random", "first", "last")


def make_prepared(root: Path) -> tuple[PreparedDataset, Path, Path]:
    """12 labelled train images, 2 val, 2 test, 10 pool images with oracle truth; each image's bytes unique."""
    folders = {"train": root / "prepared/base/images/train", "val": root / "prepared/base/images/val"}
    folders |= {"test": root / "prepared/test/images", "pool": root / "pool/images"}
    counts = {"train": 12, "val": 2, "test": 2, "pool": 10}
    for split, folder in folders.items():
        folder.mkdir(parents=True)
        labels = root / "oracle/labels" if split == "pool" else Path(str(folder).replace("images", "labels"))
        labels.mkdir(parents=True, exist_ok=True)
        for i in range(counts[split]):
            (folder / f"{split}{i:02d}.jpg").write_bytes(f"{split}-{i}".encode())
            (labels / f"{split}{i:02d}.txt").write_text(f"0 0.5 0.5 0.{i % 9 + 1} 0.2\n")
    return PreparedDataset(root / "prepared", ["ring"], []), folders["pool"], root / "oracle/labels"


def stand_in_fit(start, epochs, data_yaml, test_yaml, names, args, work):
    """A new weights file per call (a real training never writes the same bytes twice); mAP from the set size."""
    work.mkdir(parents=True, exist_ok=True)
    train = sorted(p.name for p in (data_yaml.parent / "train/images").iterdir())
    weights = work / "weights.pt"
    weights.write_text(json.dumps({"start": str(start), "train": train, "run": uuid.uuid4().hex}))
    return weights, 0.0, len(train) / 100 + args["seed"] / 1000, 0.01


def stand_in_choosers(repeat: int) -> dict:
    return {
        "random": lambda _w, candidates, _l, k, r: (choose_random(candidates, k, repeat, r), "random"),
        "first": lambda _w, candidates, _l, k, _r: (sorted(candidates)[:k], "first"),
        "last": lambda _w, candidates, _l, k, _r: (sorted(candidates)[-k:], "last"),
    }


def test_every_arm_of_a_repeat_starts_from_the_same_seed_set_and_weights(tmp_path):
    dataset, pool, oracle = make_prepared(tmp_path / "data")
    section = ActiveLearningParams(seed_images=4, pool_images=8)
    setup_for = prepared_repeats(dataset, pool, oracle, section, seed=0)
    plan = LoopPlan(rounds=2, batch=2, epochs=1, transfer_epochs=1, retrain_every=0)
    points = run_repeats(
        setup_for, stand_in_choosers, 3, plan, "yolov8n.yaml", {"seed": 0}, tmp_path / "work", fit=stand_in_fit
    )
    assert len(points) == 3 * len(ARMS) * 3
    seed_sets = []
    for repeat in range(3):
        mine = [p for p in points if p.repeat == repeat]
        seeds = {(p.labelled_sha256, p.weights_sha256) for p in mine if p.round == 0}
        assert len(seeds) == 1, f"repeat {repeat}: the arms' seed points differ: {seeds}"
        ((seed_set, seed_weights),) = seeds
        first_rounds = [p for p in mine if p.round == 1]
        assert {p.start_weights_sha256 for p in first_rounds} == {seed_weights}, "round 1 starts from the seed model"
        batches = {p.arm: p.labelled_sha256 for p in first_rounds}
        assert batches["first"] != batches["last"], "then the arms' batches differ"
        seed_sets.append(seed_set)
    assert len(set(seed_sets)) == 3, "each repeat draws another seed set"
    report = write_efficiency_report(points, tmp_path / "report", "test")
    assert report["pairing"]["all_paired"] and report["pairing"]["seed_sets_differ"]
    assert (tmp_path / "report/curve.png").stat().st_size > 1000
    runs = json.loads((tmp_path / "report/report.json").read_text())["runs"]
    assert len(runs) == len(points) and {r["rule"] for r in runs} == {"", *ARMS}


def test_the_pairing_check_sees_an_arm_with_its_own_seed_model(tmp_path):
    dataset, pool, oracle = make_prepared(tmp_path / "data")
    setup_for = prepared_repeats(dataset, pool, oracle, ActiveLearningParams(seed_images=4), seed=0)
    plan = LoopPlan(rounds=1, batch=2, epochs=1, transfer_epochs=1, retrain_every=0)
    points = run_repeats(setup_for, stand_in_choosers, 1, plan, "m.yaml", {"seed": 0}, tmp_path / "w", fit=stand_in_fit)
    broken = [p if p.arm != "last" or p.round else type(p)(**{**p.__dict__, "weights_sha256": "other"}) for p in points]
    summary = write_efficiency_report(broken, tmp_path / "report", "test")
    assert summary["pairing"]["all_paired"] is False
