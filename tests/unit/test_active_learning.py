"""The loop's bookkeeping: random batches, the oracle, the retrain policy and labels to reach a target."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.core import InputError
from tasks.loop import LoopPlan
from tasks.loop.curves import CurvePoint, choose_random, labels_to_reach, reveal_labels
from tasks.loop.rounds import round_recipe


def _curve(arm: str, *points: tuple[int, float]) -> list[CurvePoint]:
    return [CurvePoint(arm, i, n, n * 2, m, m, 1.0) for i, (n, m) in enumerate(points)]


def test_random_batches_are_reproducible_distinct_and_sized():
    pool = [Path(f"p/{i}.jpg") for i in range(50)]
    first = choose_random(pool, 10, seed=1, round_number=1)
    assert first == choose_random(list(reversed(pool)), 10, seed=1, round_number=1)
    assert len(set(first)) == 10 and set(first) <= set(pool)
    assert first != choose_random(pool, 10, seed=1, round_number=2)
    assert len(choose_random(pool[:3], 10, seed=1, round_number=1)) == 3


def test_oracle_reveals_kept_aside_truth_and_refuses_unknown_images(tmp_path):
    pool, oracle = tmp_path / "pool", tmp_path / "oracle"
    pool.mkdir(), oracle.mkdir()
    (pool / "a.jpg").write_bytes(b"a")
    (pool / "b.jpg").write_bytes(b"b")
    (oracle / "a.txt").write_text("1 0.5 0.5 0.2 0.2\n")
    copied = reveal_labels([pool / "a.jpg"], oracle, tmp_path / "out")
    assert copied == [tmp_path / "out/images/a.jpg"]
    assert (tmp_path / "out/labels/a.txt").read_text() == "1 0.5 0.5 0.2 0.2\n"
    with pytest.raises(InputError, match="b.txt: no oracle label"):
        reveal_labels([pool / "a.jpg", pool / "b.jpg"], oracle, tmp_path / "out2")
    assert not (tmp_path / "out2").exists(), "nothing is copied when one image has no truth"


def test_labels_to_reach_interpolates_and_says_never():
    curve = _curve("random", (10, 0.2), (20, 0.4), (30, 0.5))
    assert labels_to_reach(curve, 0.3) == pytest.approx(15.0)
    assert labels_to_reach(curve, 0.1) == 10.0
    assert labels_to_reach(curve, 0.6) is None


def test_retrain_policy_transfers_between_full_retrains():
    plan = LoopPlan(rounds=4, batch=5, epochs=30, transfer_epochs=5, retrain_every=3)
    last = Path("last.pt")
    assert round_recipe(plan, 0, None, "yolov8n.yaml") == ("yolov8n.yaml", 30)
    assert round_recipe(plan, 1, last, "yolov8n.yaml") == ("last.pt", 5)
    assert round_recipe(plan, 3, last, "yolov8n.yaml") == ("yolov8n.yaml", 30)
    never = LoopPlan(rounds=4, batch=5, epochs=30, transfer_epochs=5, retrain_every=0)
    assert round_recipe(never, 3, last, "yolov8n.yaml") == ("last.pt", 5)
